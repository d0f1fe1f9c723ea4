import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector, getConnector, listConnectors, uploadClientCertificate } from '../../src/graph/connectors.js';
import { rotate, type RotateOptions } from '../../src/graph/rotate.js';
import { certificateListOf } from '../../src/graph/types.js';
import type { ActiveRule, EmulatorOptions, GraphEmulator } from '../../src/emulator/server.js';
import { basicConnector, candidate, client, NOW, startEmulator, type Candidate } from './setup.js';
import { GraphHttp } from '../../src/graph/http.js';
import { staticToken } from '../../src/graph/credentials.js';

let first: Candidate;
let second: Candidate;
let expired: Candidate;
let future: Candidate;
let aes: Candidate;
beforeAll(async () => {
  future = await candidate('CN=future', { startDaysAgo: -3, days: 500 });
  aes = await candidate('CN=aes', { profile: 'modern', days: 500 });
  first = await candidate('CN=first', { startDaysAgo: 30, days: 365 });
  second = await candidate('CN=second', { startDaysAgo: 1, days: 400 });
  expired = await candidate('CN=expired', { startDaysAgo: 400, days: 30 });
});

let emulator: GraphEmulator;
afterEach(async () => {
  await emulator?.stop();
});

// Graph's docs contradict each other on which certificate is active: every scenario runs under both.
let rule: ActiveRule = 'newest';
const newest = (): boolean => rule === 'newest';

async function setup(options: EmulatorOptions = {}): Promise<{ url: string; sleeps: number[]; http: ReturnType<typeof client> }> {
  const started = await startEmulator({ activeRule: rule, ...options });
  emulator = started.emulator;
  const sleeps: number[] = [];
  return { url: started.url, sleeps, http: client(started.url, emulator.token, sleeps) };
}

const run = (http: RotateOptions['http'], c: Candidate, ids: string[], extra: Partial<RotateOptions> = {}) =>
  rotate({ http, bundle: c.bundle, pkcs12: c.pkcs12, password: c.password, connectors: ids, now: NOW, ...extra });

const writes = (e: GraphEmulator): number => e.requests.filter((r) => r.method !== 'GET').length;

describe.each(['newest', 'oldest'] as const)('rotate against the emulator, active rule %s', (activeRule) => {
  beforeEach(() => {
    rule = activeRule;
  });

  it('Basic → certificate by PATCH, then an appended upload verified and active, then a rerun that writes nothing', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('b2c-api'));
    const r1 = await run(http, first, [conn.id]);
    expect(r1.exitCode).toBe(0);
    expect(r1.results[0]).toMatchObject({ action: 'replace', verified: true, active: true, error: null });
    expect(emulator.count('PATCH', /apiConnectors\/[^/]+$/)).toBe(1);

    const r2 = await run(http, second, [conn.id]);
    // active is Graph's isActive after the write, whichever rule it follows.
    expect(r2.results[0]).toMatchObject({ action: 'upload', verified: true, active: newest(), error: null });
    const list = certificateListOf(await getConnector(http, conn.id));
    expect(list.map((e) => [e.thumbprint, e.isActive])).toEqual([
      [first.thumbprint, !newest()],
      [second.thumbprint, newest()],
    ]);
    expect(r2.results[0]!.certificateList).toEqual(list);

    const before = writes(emulator);
    const r3 = await run(http, second, [conn.id]);
    expect(r3.results[0]).toMatchObject({ action: 'none', verified: true, active: newest() });
    expect(writes(emulator)).toBe(before);
  });

  it('replace mode PATCHes the whole list down to the candidate', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    await uploadClientCertificate(http, conn.id, Buffer.from(second.pkcs12).toString('base64'), second.password);
    const r = await run(http, first, [conn.id], { mode: 'replace', allowOlder: true });
    expect(r.results[0]).toMatchObject({ action: 'replace', verified: true });
    expect(certificateListOf(await getConnector(http, conn.id)).map((e) => e.thumbprint)).toEqual([first.thumbprint]);
  });

  it('an expired bundle and a key-less one are refused before any Graph call', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const calls = emulator.requests.length;
    const r = await run(http, expired, [conn.id]);
    expect(r.exitCode).toBe(1);
    expect(r.results[0]!.error).toMatchObject({ code: 'REFUSED' });
    expect(r.results[0]!.reason).toMatch(/EXPIRED/);
    const keyless = { ...first, bundle: Object.assign(Object.create(Object.getPrototypeOf(first.bundle)), first.bundle, { privateKeys: 0, leaf: null }) };
    Object.defineProperties(keyless.bundle, { keys: { value: [] }, parts: { value: first.bundle.parts }, certificateDer: { value: first.bundle.certificateDer }, skippedBags: { value: [] } });
    const r2 = await run(http, keyless as Candidate, [conn.id]);
    expect(r2.exitCode).toBe(1);
    expect(r2.results[0]!.reason).toMatch(/NO_PRIVATE_KEY/);
    expect(emulator.requests.length).toBe(calls);
  });

  it('a candidate older than the active certificate is refused unless allowOlder', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, second, [conn.id]);
    const r = await run(http, first, [conn.id]);
    expect(r.exitCode).toBe(1);
    expect(r.results[0]!.reason).toMatch(/before the active certificate/);
    // Under the newest rule the older upload takes over; under the oldest rule it does not.
    expect((await run(http, first, [conn.id], { allowOlder: true })).results[0]).toMatchObject({ action: 'upload', verified: true, active: newest() });
  });

  it('dry run (plan) never writes', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const before = writes(emulator);
    const r = await run(http, first, [conn.id], { dryRun: true });
    expect(r.results[0]).toMatchObject({ action: 'replace', dryRun: true, verified: false });
    expect(writes(emulator)).toBe(before);
  });

  it('a response that lacks the uploaded certificate → VERIFY_FAILED, exit 1', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'drop-certificate', method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(http, second, [conn.id]);
    expect(r.exitCode).toBe(1);
    expect(r.results[0]!.error).toMatchObject({ code: 'VERIFY_FAILED' });
  });

  it('429 with Retry-After (fractional seconds, then an HTTP date) is waited out', async () => {
    const { http, sleeps } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'throttle', method: 'POST', path: /uploadClientCertificate$/, retryAfter: '1.5' });
    emulator.faults.push({ kind: 'throttle', method: 'GET', retryAfter: new Date(Date.now() + 4000).toUTCString() });
    const r = await run(http, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true });
    expect(sleeps).toContain(1500);
    expect(sleeps.some((ms) => ms > 1000 && ms <= 4000 && ms !== 1500)).toBe(true);
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(2);
  });

  it('a lost upload response is re-read, not uploaded twice', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'lose-response', method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(http, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, active: newest(), error: null });
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(1);
    expect(certificateListOf(await getConnector(http, conn.id)).filter((e) => e.thumbprint === second.thumbprint)).toHaveLength(1);
  });

  it('a 503 to an upload that was not processed: re-read, then posted again once', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'status', status: 503, method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(http, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true });
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(2);
  });

  it('503s on reads are retried with backoff; past the retries GRAPH_UNAVAILABLE', async () => {
    const { http, sleeps } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    emulator.faults.push({ kind: 'status', status: 503, method: 'GET', times: 2 });
    expect((await run(http, first, [conn.id])).results[0]).toMatchObject({ verified: true });
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    emulator.faults.push({ kind: 'status', status: 503, method: 'GET', times: 100 });
    const r = await run(http, second, [conn.id]);
    expect(r.exitCode).toBe(2);
    expect(r.results[0]!.error).toMatchObject({ code: 'GRAPH_UNAVAILABLE' });
  });

  it('a bad token → GRAPH_AUTH; an unknown id → GRAPH_NOT_FOUND; one failure does not stop the others', async () => {
    const { url, http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const bad = await run(client(url, 'not-the-token'), first, [conn.id]);
    expect(bad.results[0]!.error).toMatchObject({ code: 'GRAPH_AUTH' });
    expect(bad.exitCode).toBe(2);
    const mixed = await run(http, first, ['00000000-0000-0000-0000-000000000000', conn.id]);
    expect(mixed.results.map((r) => r.error?.code ?? 'ok')).toEqual(['GRAPH_NOT_FOUND', 'ok']);
    expect(mixed.results[0]!.error!.message).toMatch(/request-id [0-9a-f-]{36}/);
    expect(mixed.exitCode).toBe(2);
  });

  it('connectors by name, over several list pages', async () => {
    const started = await startEmulator({ pageSize: 2 });
    emulator = started.emulator;
    const http = client(started.url, emulator.token);
    for (const n of ['a', 'b', 'c', 'd', 'e']) await createConnector(http, basicConnector(n));
    expect((await listConnectors(http)).map((c) => c.displayName)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const r = await rotate({ http, bundle: first.bundle, pkcs12: first.pkcs12, password: first.password, connectorNames: ['e', 'zz'], now: NOW });
    // In the order given; a name that resolves to an id given too is rotated once.
    expect(r.results.map((x) => [x.connector?.displayName, x.error?.code ?? x.action])).toEqual([
      ['e', 'replace'],
      ['zz', 'GRAPH_NOT_FOUND'],
    ]);
    const e = (await listConnectors(http)).find((c) => c.displayName === 'e')!;
    const once = await rotate({ http, bundle: second.bundle, pkcs12: second.pkcs12, password: second.password, connectors: [e.id, e.id.toUpperCase()], connectorNames: ['e'], now: NOW });
    expect(once.results.map((x) => x.connector?.id)).toEqual([e.id]);
  });

  it('secrets never reach results or error messages', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const wrong = { ...first, password: 'canary-Password-42' };
    const r = await run(http, wrong, [conn.id]);
    const text = JSON.stringify(r);
    expect(r.results[0]!.error?.code).toBe('GRAPH_REJECTED');
    expect(text).not.toContain('canary-Password-42');
    expect(text).not.toContain(Buffer.from(first.pkcs12).toString('base64').slice(0, 40));
    expect(JSON.stringify(emulator.connectors())).not.toContain('basic-Secret-123');
  });
  it('an AES bundle is re-encoded in memory and taken; --as-is sends it unchanged and the refusal is explained', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    const r = await run(http, aes, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', encoding: 'compat', verified: true, error: null });
    expect(r.results[0]!.warnings.join('\n')).not.toMatch(/ENCRYPTION_COMPAT/);
    const other = await createConnector(http, basicConnector('y'));
    await run(http, first, [other.id]);
    const asIs = await run(http, aes, [other.id], { asIs: true });
    expect(asIs.exitCode).toBe(2);
    expect(asIs.results[0]).toMatchObject({ action: 'upload', encoding: 'as-is', verified: false, error: { code: 'GRAPH_REJECTED' } });
    expect(asIs.results[0]!.error!.message).toMatch(/AADB2C90213.*not encrypted with TripleDES-SHA1.*sent as-is \(--as-is\) with AES-256-CBC encryption \(PBES2\) and an HMAC-SHA256 MAC/);
    expect(asIs.results[0]!.warnings.join('\n')).toMatch(/ENCRYPTION_COMPAT/);
    // A 3DES bundle goes as it is.
    expect((await run(http, second, [other.id], { dryRun: true })).results[0]!.encoding).toBe('as-is');
  });

  it('a wrong password in the 3DES form: AADB2C90213 is explained as the password', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    const r = await run(http, { ...second, password: 'not-the-password' }, [conn.id]);
    expect(r.results[0]!.error!.message).toMatch(/AADB2C90213.*already TripleDES-SHA1, so the password given with it is the likely cause/);
  });

  it('a not-yet-valid candidate is refused for a replace (Basic switch or --mode replace) before any write, and staged by an upload', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const before = writes(emulator);
    const r = await run(http, future, [conn.id]);
    expect(r.exitCode).toBe(1);
    expect(r.results[0]).toMatchObject({ action: 'none', error: { code: 'REFUSED' } });
    expect(r.results[0]!.reason).toMatch(/without an active certificate/);
    expect(writes(emulator)).toBe(before);
    await run(http, first, [conn.id]);
    const replace = await run(http, future, [conn.id], { mode: 'replace' });
    expect([replace.exitCode, replace.results[0]!.reason]).toEqual([1, expect.stringMatching(/stage it with --mode upload/)]);
    const staged = await run(http, future, [conn.id]);
    expect(staged.results[0]).toMatchObject({ action: 'upload', verified: true, active: false, error: null });
    expect(staged.results[0]!.warnings[0]).toMatch(/^staged: the candidate is not valid before/);
    // The connector kept its active certificate throughout.
    expect(certificateListOf(await getConnector(http, conn.id)).find((e) => e.isActive)?.thumbprint).toBe(first.thumbprint);
  });

  it('--mode upload on a Basic-auth connector is refused before any write', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const before = writes(emulator);
    const r = await run(http, first, [conn.id], { mode: 'upload' });
    expect([r.exitCode, r.results[0]!.error?.code, writes(emulator)]).toEqual([1, 'REFUSED', before]);
  });

  it('requireActive fails exactly when Graph does not show the upload active', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, first, [conn.id]);
    const r = await run(http, second, [conn.id], { requireActive: true });
    expect(r.exitCode).toBe(newest() ? 0 : 1);
    expect(r.results[0]!.verified).toBe(true);
    expect(r.results[0]!.error?.code ?? null).toBe(newest() ? null : 'VERIFY_FAILED');
  });
});

describe('timeouts', () => {
  it('an upload whose answer never comes times out, is looked for, and found: not sent twice', async () => {
    const started = await startEmulator();
    emulator = started.emulator;
    const http = client(started.url, emulator.token);
    // The emulator holds the upload past the client's (real, short) timeout; while the client
    // waits to look again, the held upload is let go and processed. No timed sleep.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const fast = new GraphHttp({
      baseUrl: started.url,
      token: staticToken(emulator.token),
      timeoutMs: 300,
      sleep: async () => {
        release();
        while (!emulator.requests.some((q) => q.method === 'POST' && q.status !== 0)) await new Promise((r) => setImmediate(r));
      },
    });
    const conn = await createConnector(http, basicConnector('slow'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'delay', hold: held, method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(fast, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, error: null });
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(1);
  });
});
