// report --keysets against the emulator: a row per certificate key of every keyset, in every
// format, the same thresholds and Nagios codes, a warning for an expiring active key with no
// successor, and a 403 that is an error line, not a failed report.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { betaUrlOf } from '../../src/graph/clouds.js';
import { createConnector } from '../../src/graph/connectors.js';
import { createKeySet, uploadPkcs12 } from '../../src/graph/keysets.js';
import { GraphEmulator } from '../../src/emulator/server.js';
import { GraphHttp } from '../../src/graph/http.js';
import { staticToken } from '../../src/graph/credentials.js';
import { createClientBundle } from '../../src/index.js';
import { run } from '../cli/run.js';

const NOW = new Date('2027-02-01T00:00:00Z');
const DAY = 86_400_000;
let emulator: GraphEmulator;
let env: NodeJS.ProcessEnv;
let beta: GraphHttp;
let http: GraphHttp;
const thumbs: Record<string, string> = {};

const mint = async (name: string, startDaysAgo: number, days: number): Promise<string> => {
  const c = await createClientBundle({ subject: `CN=${name}`, now: new Date(NOW.getTime() - startDaysAgo * DAY), days, password: 'p', key: 'ec-p256' });
  thumbs[name] = c.certificate.thumbprint;
  return Buffer.from(c.pkcs12).toString('base64');
};

beforeEach(async () => {
  emulator = new GraphEmulator({ now: () => NOW.getTime(), throttlePerMinute: 0 });
  const url = await emulator.start();
  env = { PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token };
  http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
  beta = http.withBaseUrl(betaUrlOf(url));
  // Healthy: an old key and a newer active one.
  await createKeySet(beta, 'Healthy');
  await uploadPkcs12(beta, 'B2C_1A_Healthy', await mint('old', 300, 320), 'p');
  await uploadPkcs12(beta, 'B2C_1A_Healthy', await mint('new', 10, 400), 'p');
  // Expiring: its only key has 10 days left, and nothing is staged.
  await createKeySet(beta, 'Expiring');
  await uploadPkcs12(beta, 'B2C_1A_Expiring', await mint('expiring', 355, 365), 'p');
});
afterEach(async () => {
  await emulator.stop();
});

describe('report --keysets', () => {
  it('a row per certificate key (source, keyset, kid, subject, epochs, active), the critical one sets the exit code, and a no-successor warning', async () => {
    const r = await run(['report', '--keysets', '--format', 'json', '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.rows.map((x: { keyset: { id: string }; thumbprint: string; isActive: boolean; status: string }) => [x.keyset.id, x.thumbprint, x.isActive, x.status])).toEqual([
      ['B2C_1A_Expiring', thumbs.expiring, true, 'critical'],
      ['B2C_1A_Healthy', thumbs.old, false, 'warning'],
      ['B2C_1A_Healthy', thumbs.new, true, 'ok'],
    ]);
    expect(j.rows[0]).toMatchObject({ source: 'keyset', connector: null, kid: expect.any(String), path: null, subject: 'CN=expiring', daysRemaining: 10 });
    expect(j.errors).toEqual([
      {
        keyset: 'B2C_1A_Expiring',
        code: 'EXPIRES_SOON',
        message: expect.stringMatching(/no key with a later expiry is staged: upload its successor \(pfxkit rotate FILE --keyset B2C_1A_Expiring\)$/),
      },
    ]);
    expect(r.stderr).toMatch(/^pfxkit: keyset B2C_1A_Expiring: EXPIRES_SOON: /m);
  });

  it('a keyset counts by its longest-lived key: with a successor staged, the old key no longer decides', async () => {
    await uploadPkcs12(beta, 'B2C_1A_Expiring', await mint('successor', -5, 400), 'p');
    const r = await run(['report', '--keysets', '--format', 'json', '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).errors).toEqual([]);
  });

  it('every format carries the keyset; beside connectors in one document', async () => {
    await createConnector(http, {
      displayName: 'conn',
      targetUrl: 'https://x',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: await mint('conn', 1, 365), password: 'p' },
    });
    const prom = await run(['report', '--keysets', '--connectors', '--format', 'prometheus', '--no-exit-code', '--now', NOW.toISOString()], { env, now: NOW });
    expect(prom.stdout).toMatch(new RegExp(`^x509_cert_not_after\\{thumbprint="${thumbs.new}",subject_CN="new",keyset_id="B2C_1A_Healthy",kid="[^"]+",active="true"\\} \\d+$`, 'm'));
    expect(prom.stdout).toMatch(new RegExp(`^x509_cert_not_after\\{thumbprint="${thumbs.conn}",connector_id=`, 'm'));
    const csv = await run(['report', '--keysets', '--format', 'csv', '--no-exit-code', '--now', NOW.toISOString()], { env, now: NOW });
    expect(csv.stdout.split('\r\n')[0]).toBe('source,connector_id,connector_name,keyset_id,kid,path,thumbprint,subject,not_before,not_after,days_remaining,renew_at,is_active,status');
    expect(csv.stdout).toMatch(/\r\nkeyset,,,B2C_1A_Expiring,[^,]+,,/);
    const table = await run(['report', '--keysets', '--no-exit-code', '--now', NOW.toISOString()], { env, now: NOW });
    expect(table.stdout).toMatch(/keyset B2C_1A_Healthy \(kid [^)]+\) +CN=new/);
    expect(table.stdout).toMatch(/^error {2}keyset B2C_1A_Expiring: EXPIRES_SOON/m);
  });

  it('a 403 on keysets (no TrustFrameworkKeySet permission) is an error line, not a failed report', async () => {
    await createConnector(http, {
      displayName: 'conn',
      targetUrl: 'https://x',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: await mint('conn', 1, 365), password: 'p' },
    });
    emulator.faults.push({ kind: 'status', status: 403, path: /trustFramework/, times: 1 });
    const r = await run(['report', '--connectors', '--keysets', '--format', 'json', '--now', NOW.toISOString()], { env, now: NOW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows.map((x: { source: string }) => x.source)).toEqual(['graph']);
    expect(j.errors).toEqual([{ keyset: '*', code: 'GRAPH_AUTH', message: expect.stringMatching(/Authorization_RequestDenied.*TrustFrameworkKeySet\.Read\.All/) }]);
    // Only keysets asked for, and none readable: UNKNOWN.
    emulator.faults.push({ kind: 'status', status: 403, path: /trustFramework/, times: 1 });
    expect((await run(['report', '--keysets', '--now', NOW.toISOString()], { env, now: NOW })).code).toBe(3);
  });

  it('a usage error is UNKNOWN (3)', async () => {
    const r = await run(['report', '--keysets', '--format', 'yaml'], { env, now: NOW });
    expect([r.code, r.stderr]).toEqual([3, expect.stringMatching(/^pfxkit: USAGE: --format takes/)]);
  });
});
