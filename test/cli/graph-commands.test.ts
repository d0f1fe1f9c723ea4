import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientBundle, createConnector, GraphHttp, listConnectors, staticToken } from '../../src/index.js';
import { GraphEmulator } from '../../src/entry/emulator.js';
import { cli } from '../helpers.js';
import { run } from './run.js';

const NOW = new Date('2027-02-01T00:00:00Z');
let emulator: GraphEmulator;
let env: NodeJS.ProcessEnv;
let http: GraphHttp;
const dir = mkdtempSync(join(tmpdir(), 'pfxkit-graph-cli-'));
const files: Record<string, string> = {};

beforeAll(async () => {
  emulator = new GraphEmulator({ now: () => NOW.getTime(), throttlePerMinute: 0 });
  const url = await emulator.start();
  env = { PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token, PFXKIT_PASSWORD: 'cli-pw' };
  http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
  for (const [name, daysAgo, profile] of [
    ['current', 1, 'compat'],
    ['future', -3, 'compat'],
    ['expired', 500, 'compat'],
    ['aes', 1, 'modern'],
  ] as const) {
    const c = await createClientBundle({
      subject: `CN=${name}`,
      now: new Date(NOW.getTime() - daysAgo * 86_400_000),
      days: 365 + (name === 'aes' ? 10 : 0),
      password: 'cli-pw',
      profile,
      iterations: 2048,
    });
    files[name] = join(dir, `${name}.pfx`);
    writeFileSync(files[name]!, c.pkcs12);
  }
});
afterAll(async () => {
  await emulator.stop();
});

/** The emulator's first JSON document on stdout. */
const firstJson = (child: ReturnType<typeof spawn>): Promise<string> =>
  new Promise<string>((resolve) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('}')) resolve(buf);
    });
  });

const newConnector = async (name: string) =>
  createConnector(http, {
    displayName: name,
    targetUrl: 'https://api.contoso.com',
    authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p-1234' },
  });

describe('pfxkit plan / rotate', () => {
  it('plan says what would happen and writes nothing; rotate does it; the JSON follows SPEC.md', async () => {
    const c = await newConnector('cli-a');
    const writes = () => emulator.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const plan = await run(['plan', files.current!, '--connector', c.id, '--now', NOW.toISOString()], { env, now: NOW });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/cli-a \(.+\): would replace\n {2}the connector uses Basic authentication/);
    expect(writes()).toBe(before);
    const r = await run(['rotate', files.current!, '--connector', c.id, '--json'], { env, now: NOW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['results']);
    expect(j.results[0]).toMatchObject({ connector: { id: c.id, displayName: 'cli-a' }, action: 'replace', dryRun: false, verified: true, active: true });
    expect(Object.keys(j.results[0].certificate)).toEqual(['thumbprint', 'notBefore', 'notAfter']);
    expect(j.results[0].certificateList[0]).toMatchObject({ isActive: true });
    const dry = await run(['rotate', files.current!, '--connector-name', 'cli-a', '--dry-run', '--json'], { env, now: NOW });
    expect(JSON.parse(dry.stdout).results[0]).toMatchObject({ action: 'none', dryRun: true });
  });

  it('--require-active fails (exit 1) for a certificate Graph does not make active yet', async () => {
    const c = await newConnector('cli-b');
    await run(['rotate', files.current!, '--connector', c.id], { env, now: NOW });
    const r = await run(['rotate', files.future!, '--connector', c.id, '--require-active'], { env, now: NOW });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/warning: staged: the candidate is not valid before/);
    expect(r.stdout).toMatch(/: upload, failed \(VERIFY_FAILED\)\n/);
    expect(r.stdout).toMatch(/VERIFY_FAILED: .*not show it active/);
    expect(r.stderr).toMatch(new RegExp(`^pfxkit: VERIFY_FAILED: connector ${c.id}: the certificate is in the list but Graph does not show it active`, 'm'));
  });

  it('an AES bundle is sent re-encoded (or --as-is, refused and explained); the summary counts the list after the write; failures are not headed "none"', async () => {
    const c = await newConnector('cli-aes');
    await run(['rotate', files.current!, '--connector', c.id], { env, now: NOW });
    const plan = await run(['plan', files.aes!, '--connector', c.id], { env, now: NOW });
    expect(plan.stdout).toMatch(/would upload\n.*\n.*\n {2}would send re-encoded in memory to 3DES with an HMAC-SHA1 MAC/);
    const asIs = await run(['rotate', files.aes!, '--connector', c.id, '--as-is'], { env, now: NOW });
    expect(asIs.code).toBe(2);
    expect(asIs.stdout).toMatch(/cli-aes \(.+\): upload, failed \(GRAPH_REJECTED\)/);
    expect(asIs.stdout).not.toMatch(/: none\n/);
    expect(asIs.stderr).toMatch(/^pfxkit: GRAPH_REJECTED: connector .*AADB2C90213.*drop --as-is/m);
    const r = await run(['rotate', files.aes!, '--connector', c.id, '--json'], { env, now: NOW });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ keyset: null, action: 'upload', encoding: 'compat', verified: true, error: null });
    expect(Object.keys(JSON.parse(r.stdout).results[0])).toEqual([
      'connector',
      'keyset',
      'action',
      'reason',
      'dryRun',
      'certificate',
      'encoding',
      'verified',
      'active',
      'duplicates',
      'certificateList',
      'warnings',
      'error',
    ]);
    expect(r.stderr).toMatch(/re-encoding the bundle in memory to the compat profile/);
    const human = await run(['rotate', files.aes!, '--connector', c.id], { env, now: NOW });
    expect(human.stdout).toMatch(/now 2 certificates on the connector; active: [0-9A-F]{40}/);
  });

  it('--mode upload on a Basic connector and a not-yet-valid replace are refused (exit 1); usgov and dod are refused up front', async () => {
    const c = await newConnector('cli-e');
    const up = await run(['rotate', files.current!, '--connector', c.id, '--mode', 'upload'], { env, now: NOW });
    expect([up.code, up.stdout]).toEqual([1, expect.stringMatching(/: refused\n.*only a PATCH is documented/)]);
    const future = await run(['rotate', files.future!, '--connector', c.id], { env, now: NOW });
    expect([future.code, future.stdout]).toEqual([1, expect.stringMatching(/without an active certificate/)]);
    for (const cloud of ['usgov', 'dod']) {
      const n = emulator.requests.length;
      const r = await run(['plan', files.current!, '--connector', c.id, '--cloud', cloud], { env, now: NOW });
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^pfxkit: USAGE: API connectors \(identityApiConnector\) do not exist in the US Government/)]);
      expect(emulator.requests.length).toBe(n);
    }
  });

  it('an expired candidate is refused: exit 1, nothing sent', async () => {
    const c = await newConnector('cli-c');
    const n = emulator.requests.length;
    const r = await run(['rotate', files.expired!, '--connector', c.id], { env, now: NOW });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused: nothing was written/);
    expect(emulator.requests.length).toBe(n);
  });

  it('usage errors and a bad token', async () => {
    for (const args of [
      ['rotate', files.current!],
      ['rotate', files.current!, '--connector', 'x', '--mode', 'sideways'],
      ['plan'],
      ['rotate', files.current!, '--connector', 'x', '--cloud', 'mars'],
    ]) {
      const r = await run(args, { env, now: NOW });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^pfxkit: USAGE: /);
    }
    const c = await newConnector('cli-d');
    const bad = await run(['rotate', files.current!, '--connector', c.id, '--json'], { env: { ...env, PFXKIT_ACCESS_TOKEN: 'wrong' }, now: NOW });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).results[0].error.code).toBe('GRAPH_AUTH');
    expect(bad.stdout).not.toContain('wrong');
  });
});

describe('pfxkit plan / rotate --keyset', () => {
  it('--create-keyset, upload and verify; the human output names the keyset; without the flag a missing keyset is exit 2', async () => {
    const missing = await run(['rotate', files.current!, '--keyset', 'CliKeys', '--json'], { env, now: NOW });
    expect([missing.code, JSON.parse(missing.stdout).results[0].error.code]).toEqual([2, 'GRAPH_NOT_FOUND']);
    expect(missing.stderr).toMatch(/^pfxkit: GRAPH_NOT_FOUND: keyset B2C_1A_CliKeys: there is no policy keyset/m);
    const r = await run(['rotate', files.current!, '--keyset', 'CliKeys', '--create-keyset'], { env, now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^keyset B2C_1A_CliKeys: upload\n {2}uploadPkcs12 adds it to the keyset \(0 certificates before\)/);
    expect(r.stdout).toMatch(/now 1 certificate on the keyset; active: [0-9A-F]{40}/);
    const plan = await run(['plan', files.current!, '--keyset', 'B2C_1A_CliKeys', '--json'], { env, now: NOW });
    expect(JSON.parse(plan.stdout).results[0]).toMatchObject({ connector: null, keyset: { id: 'B2C_1A_CliKeys' }, action: 'none' });
    // Keysets exist in every cloud: only connector targets are refused in usgov/dod.
    const gov = await run(['plan', files.current!, '--keyset', 'CliKeys', '--cloud', 'usgov', '--graph-url', env.PFXKIT_GRAPH_URL!], { env, now: NOW });
    expect(gov.code).toBe(0);
  });
});

describe('pfxkit probe', () => {
  it("finds the rules, prints SPEC.md's document, deletes its connector; the human form says what each means", async () => {
    const before = (await listConnectors(http)).length;
    const r = await run(['probe', '--json'], { env, now: NOW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['activeRule', 'acceptsAes', 'basicUpload', 'acceptsDuplicate', 'epochsExact', 'connector']);
    expect(j).toMatchObject({ activeRule: 'newest', acceptsAes: false, basicUpload: 'reject', connector: { deleted: true } });
    expect(r.stderr).toMatch(/pfxkit: creating a scratch connector/);
    expect((await listConnectors(http)).length).toBe(before);
    const human = await run(['probe'], { env, now: NOW });
    expect(human.stdout).toMatch(/^activeRule +newest +the later upload is active/m);
    expect(human.stdout).toMatch(/^scratch connector \S+ deleted$/m);
  });

  it('Ctrl-C (SIGINT) during a step: the step finishes, the scratch connector is deleted, exit 2', async () => {
    // The Basic upload is held by the emulator until the signal has landed inside that step.
    let release!: () => void;
    emulator.faults.push({ kind: 'delay', hold: new Promise<void>((r) => (release = r)), method: 'POST', path: /uploadClientCertificate$/ });
    const child = spawn(process.execPath, [cli, 'probe'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!sent && stderr.includes('uploading to the Basic-auth connector')) sent = child.kill('SIGINT');
      if (stderr.includes('interrupted: deleting')) release();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/interrupted: deleting the scratch connector/);
    expect(stderr).toMatch(/^pfxkit: USAGE: interrupted; the scratch connector \S+ was deleted$/m);
    expect((await listConnectors(http)).filter((c) => c.displayName.startsWith('pfxkit-probe-'))).toEqual([]);
  });
});

describe('pfxkit emulator', () => {
  it('--rules FILE (a probe document) sets the active rule and AES acceptance', async () => {
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ activeRule: 'oldest', acceptsAes: true, basicUpload: 'reject', acceptsDuplicate: true, epochsExact: true, connector: { id: 'x', deleted: true } }));
    const child = spawn(process.execPath, [cli, 'emulator', '--json', '--rules', rules], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const { url, token } = JSON.parse(await firstJson(child)) as { url: string; token: string };
      const call = async (method: string, path: string, body: unknown) =>
        (await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
      // The spawned emulator runs on the real clock: certificates valid now.
      const mint = async (profile: 'compat' | 'modern') =>
        Buffer.from((await createClientBundle({ subject: `CN=${profile}`, now: new Date(), password: 'cli-pw', profile, iterations: 2048 })).pkcs12).toString('base64');
      const created = await call('POST', '/identity/apiConnectors', {
        displayName: 'r',
        targetUrl: 'https://x',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: await mint('compat'), password: 'cli-pw' },
      });
      const up = await call('POST', `/identity/apiConnectors/${created.id}/uploadClientCertificate`, { pkcs12Value: await mint('modern'), password: 'cli-pw' });
      expect(up.authenticationConfiguration.certificateList.map((e: { isActive: boolean }) => e.isActive)).toEqual([true, false]);
    } finally {
      child.kill('SIGTERM');
    }
    const bad = await run(['emulator', '--rules', join(dir, 'missing.json')], { env, now: NOW });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^pfxkit: USAGE: --rules .*no such file/)]);
    writeFileSync(rules, JSON.stringify({ activeRule: 'other', acceptsAes: true, basicUpload: 'reject', acceptsDuplicate: true }));
    expect((await run(['emulator', '--rules', rules], { env, now: NOW })).stderr).toMatch(/cannot be emulated/);
  });

  it('listens, prints its URL and token, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'emulator', '--json', '--token', 'emu-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await firstJson(child);
    const { url, token } = JSON.parse(first) as { url: string; token: string };
    expect(token).toBe('emu-token');
    const res = await fetch(`${url}/identity/apiConnectors`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
