import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientBundle, createConnector, GraphHttp, staticToken, uploadClientCertificate } from '../../src/index.js';
import { GraphEmulator } from '../../src/entry/emulator.js';
import { commonName, formatCsv, formatPrometheus } from '../../src/report/format.js';
import { expiryStatus, parseDuration, renewAt } from '../../src/rotation/policy.js';
import { manifest } from '../helpers.js';
import { run } from '../cli/run.js';

const DAY = 86_400;
const NOW = new Date('2027-03-01T00:00:00Z');
const now = NOW.getTime() / 1000;

describe('policy', () => {
  it('renewAt is two thirds into the lifetime, or a fixed time before', () => {
    expect(renewAt(0, 90 * DAY)).toBe(60 * DAY);
    expect(renewAt(0, 90 * DAY, 7 * DAY)).toBe(83 * DAY);
  });
  it.each([
    [-1, 'expired'],
    [0, 'expired'],
    [5, 'critical'],
    [14, 'critical'],
    [15, 'warning'],
    [28, 'warning'],
    [29, 'renew'],
    [200, 'ok'],
  ])('%i days left: %s (a 365-day certificate)', (days, want) => {
    const notAfter = now + days * DAY;
    expect(expiryStatus(notAfter - 365 * DAY, notAfter, now)).toBe(want);
  });
  it('durations', () => {
    expect(parseDuration('30d')).toBe(30 * DAY);
    expect(parseDuration('720h')).toBe(30 * DAY);
    expect(parseDuration('P1W2DT3H')).toBe(9 * DAY + 3 * 3600);
    expect(() => parseDuration('soon')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('report of Graph connectors (more than one page)', () => {
  let emulator: GraphEmulator;
  let env: NodeJS.ProcessEnv;
  const expected = new Map<string, { notBefore: number; notAfter: number }>();
  let critical = '';
  beforeAll(async () => {
    emulator = new GraphEmulator({ pageSize: 2, now: () => NOW.getTime() });
    const url = await emulator.start();
    env = { PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token };
    const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
    const mint = async (name: string, startDaysAgo: number, days: number) => {
      const c = await createClientBundle({ subject: `CN=${name}`, now: new Date(NOW.getTime() - startDaysAgo * DAY * 1000), days, password: 'p', key: 'ec-p256' });
      expected.set(c.certificate.thumbprint, { notBefore: c.certificate.notBefore, notAfter: c.certificate.notAfter });
      return { b64: Buffer.from(c.pkcs12).toString('base64'), thumbprint: c.certificate.thumbprint };
    };
    for (let i = 0; i < 5; i++) {
      const a = await mint(`conn${i}-a`, 100, 365);
      const conn = await createConnector(http, {
        displayName: `conn ${i}, "quoted"`,
        targetUrl: 'https://x',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: a.b64, password: 'p' },
      });
      if (i === 3) {
        // 14 days from expiry at NOW: critical.
        const soon = await mint('soon', 351, 365);
        critical = soon.thumbprint;
        await createConnector(http, {
          displayName: 'soon',
          targetUrl: 'https://x',
          authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: soon.b64, password: 'p' },
        });
      }
      const b = await mint(`conn${i}-b`, 10, 400);
      await uploadClientCertificate(http, conn.id, b.b64, 'p');
    }
    await createConnector(http, {
      displayName: 'basic',
      targetUrl: 'https://x',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'pw-basic' },
    });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('every certificate of every connector once, with Graph epochs; the 14-day one critical; exit 2', async () => {
    const r = await run(['report', '--format', 'json', '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['generatedAt', 'rows', 'errors']);
    expect(j.generatedAt).toBe(now);
    expect(j.rows).toHaveLength(11);
    expect(new Set(j.rows.map((x: { thumbprint: string }) => x.thumbprint)).size).toBe(11);
    for (const row of j.rows) {
      expect(row).toMatchObject({ source: 'graph', path: null, subject: null, ...expected.get(row.thumbprint) });
      expect(Object.keys(row)).toEqual(['source', 'connector', 'keyset', 'kid', 'path', 'thumbprint', 'subject', 'notBefore', 'notAfter', 'daysRemaining', 'renewAt', 'isActive', 'status']);
    }
    const soon = j.rows.find((x: { thumbprint: string }) => x.thumbprint === critical);
    expect(soon).toMatchObject({ status: 'critical', daysRemaining: 14, isActive: true, connector: { displayName: 'soon' } });
    expect(j.rows[0].thumbprint).toBe(critical); // sorted by expiry
    // A Basic-auth connector has nothing to watch: said, not silently dropped.
    expect(j.errors).toEqual([{ connector: expect.any(String), code: 'NO_CERTIFICATE', message: expect.stringMatching(/^basic uses Basic authentication: no certificate to watch/) }]);
  });

  it('Prometheus: an x509_cert_not_after series per certificate, labelled with its thumbprint', async () => {
    const r = await run(['report', '--format', 'prometheus', '--now', NOW.toISOString(), '--no-exit-code'], { env, now: NOW });
    expect(r.code).toBe(0);
    const series = r.stdout.split('\n').filter((l) => l.startsWith('x509_cert_not_after{'));
    expect(series).toHaveLength(11);
    for (const [thumb, e] of expected) expect(series.some((l) => l.includes(`thumbprint="${thumb}"`) && l.endsWith(` ${e.notAfter}`))).toBe(true);
    expect(r.stdout).toMatch(/^# HELP x509_cert_not_after /m);
    expect(r.stdout).toMatch(/^# TYPE x509_cert_not_after gauge$/m);
    expect(r.stdout).toMatch(/connector_name="conn 1, \\"quoted\\""/);
    expect(r.stdout).toMatch(/^x509_cert_expired\{.*\} 0$/m);
  });

  it('--crit-days and --warn-days move the verdict; a table sorted by expiry', async () => {
    const r = await run(['report', '--crit-days', '7', '--warn-days', '20', '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[1]).toMatch(/^warning +14 /);
  });

  it('an unreachable Graph is UNKNOWN (3)', async () => {
    const r = await run(['report', '--format', 'json'], { env: { ...env, PFXKIT_ACCESS_TOKEN: 'bad' }, now: NOW });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).errors[0]).toMatchObject({ code: 'GRAPH_AUTH' });
  });
});

describe('report of files and folders', () => {
  const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
  const dir = mkdtempSync(join(tmpdir(), 'pfxkit-report-'));
  beforeAll(() => {
    for (const f of ['openssl3-chain.p12', 'openssl3-expired.p12', 'broken-random.bin']) copyFileSync(rows.get(f)!.file, join(dir, f.replace('.bin', '.pfx')));
    const pem = readFileSync(rows.get('broken-pem-certificate.pem')!.file, 'utf8');
    writeFileSync(join(dir, 'bundle.pem'), pem + pem);
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
  });

  it('PFX, PEM bundles, unreadable files as errors; expired → exit 2; --out writes atomically', async () => {
    const env = { PFXKIT_PASSWORD: rows.get('openssl3-chain.p12')!.password! };
    const out = join(dir, 'metrics.prom');
    const r = await run(['report', dir, '--format', 'prometheus', '--out', out, '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    // bundle.pem holds one certificate twice: two rows, one series (Prometheus refuses a repeated label set).
    expect(text.match(/^x509_cert_not_after\{/gm)).toHaveLength(5);
    expect(text).toMatch(/x509_cert_expired\{thumbprint="[0-9A-F]{40}",subject_CN="pfxkit expired",filepath=".*openssl3-expired\.p12"\} 1/);
    expect(text).toMatch(/^x509_read_errors 1$/m);
    expect(r.stderr).toMatch(/broken-random\.pfx: MALFORMED/);
    const j = JSON.parse((await run(['report', dir, '--json', '--now', NOW.toISOString()], { env, now: NOW })).stdout);
    expect(j.errors).toEqual([expect.objectContaining({ path: join(dir, 'broken-random.pfx'), code: 'MALFORMED' })]);
    expect(j.rows.filter((x: { path: string }) => x.path.endsWith('bundle.pem'))).toHaveLength(2);
  });

  it('nothing readable is UNKNOWN (3); --no-exit-code gives 0', async () => {
    const bad = rows.get('broken-random.bin')!.file;
    expect((await run(['report', bad], { now: NOW })).code).toBe(3);
    expect((await run(['report', bad, '--no-exit-code'], { now: NOW })).code).toBe(0);
    expect((await run(['report', '/no/such/path'], { now: NOW })).code).toBe(3);
  });

  it('Prometheus: one series a label set (a certificate listed twice), and notices are not read errors', () => {
    const r = {
      source: 'graph' as const,
      connector: { id: 'c', displayName: 'n' },
      keyset: null,
      kid: null,
      path: null,
      thumbprint: 'AB',
      subject: null,
      notBefore: 0,
      notAfter: 1,
      daysRemaining: 0,
      renewAt: 0,
      isActive: true,
      status: 'ok' as const,
    };
    const text = formatPrometheus({
      generatedAt: 0,
      rows: [r, { ...r }],
      errors: [
        { keyset: 'k', code: 'EXPIRES_SOON', message: 'm' },
        { path: '/x', code: 'MALFORMED', message: 'm' },
      ],
    });
    expect(text.split('\n').filter((l) => l.startsWith('x509_cert_not_after{'))).toHaveLength(1);
    expect(text).toMatch(/^x509_read_errors 1$/m);
  });

  it('CSV is RFC 4180; labels and CNs are escaped', () => {
    const report = {
      generatedAt: 0,
      errors: [],
      rows: [
        {
          source: 'file' as const,
          connector: null,
          keyset: null,
          kid: null,
          path: '/a,b/"c".pfx',
          thumbprint: 'AB',
          subject: 'O=x\\, y, CN=a\\,b',
          notBefore: 0,
          notAfter: 1,
          daysRemaining: 0,
          renewAt: 0,
          isActive: null,
          status: 'ok' as const,
        },
      ],
    };
    expect(formatCsv(report)).toBe(
      'source,connector_id,connector_name,keyset_id,kid,path,thumbprint,subject,not_before,not_after,days_remaining,renew_at,is_active,status\r\n' +
        'file,,,,,"/a,b/""c"".pfx",AB,"O=x\\, y, CN=a\\,b",0,1,0,0,,ok\r\n',
    );
    expect(commonName('O=x\\, y, CN=a\\,b')).toBe('a,b');
    expect(formatPrometheus(report)).toContain('x509_cert_not_after{thumbprint="AB",subject_CN="a,b",filepath="/a,b/\\"c\\".pfx"} 1');
  });
});
