import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, getConnector, listConnectors, uploadClientCertificate } from '../../src/graph/connectors.js';
import { rotate, type RotateOptions } from '../../src/graph/rotate.js';
import { certificateListOf } from '../../src/graph/types.js';
import type { GraphEmulator } from '../../src/emulator/server.js';
import { basicConnector, candidate, client, NOW, startEmulator, type Candidate } from './setup.js';
import { GraphHttp } from '../../src/graph/http.js';
import { staticToken } from '../../src/graph/credentials.js';

let first: Candidate;
let second: Candidate;
let expired: Candidate;
beforeAll(async () => {
  first = await candidate('CN=first', { startDaysAgo: 30, days: 365 });
  second = await candidate('CN=second', { startDaysAgo: 1, days: 400 });
  expired = await candidate('CN=expired', { startDaysAgo: 400, days: 30 });
});

let emulator: GraphEmulator;
afterEach(async () => {
  await emulator?.stop();
});

async function setup(): Promise<{ url: string; sleeps: number[]; http: ReturnType<typeof client> }> {
  const started = await startEmulator();
  emulator = started.emulator;
  const sleeps: number[] = [];
  return { url: started.url, sleeps, http: client(started.url, emulator.token, sleeps) };
}

const run = (http: RotateOptions['http'], c: Candidate, ids: string[], extra: Partial<RotateOptions> = {}) =>
  rotate({ http, bundle: c.bundle, pkcs12: c.pkcs12, password: c.password, connectors: ids, now: NOW, ...extra });

const writes = (e: GraphEmulator): number => e.requests.filter((r) => r.method !== 'GET').length;

describe('rotate against the emulator', () => {
  it('Basic → certificate by PATCH, then an appended upload verified and active, then a rerun that writes nothing', async () => {
    const { http } = await setup();
    const conn = await createConnector(http, basicConnector('b2c-api'));
    const r1 = await run(http, first, [conn.id]);
    expect(r1.exitCode).toBe(0);
    expect(r1.results[0]).toMatchObject({ action: 'replace', verified: true, active: true, error: null });
    expect(emulator.count('PATCH', /apiConnectors\/[^/]+$/)).toBe(1);

    const r2 = await run(http, second, [conn.id]);
    expect(r2.results[0]).toMatchObject({ action: 'upload', verified: true, active: true, error: null });
    const list = certificateListOf(await getConnector(http, conn.id));
    expect(list.map((e) => [e.thumbprint, e.isActive])).toEqual([
      [first.thumbprint, false],
      [second.thumbprint, true],
    ]);

    const before = writes(emulator);
    const r3 = await run(http, second, [conn.id]);
    expect(r3.results[0]).toMatchObject({ action: 'none', verified: true, active: true });
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
    // Graph makes the most recently uploaded valid certificate active: the older one takes over.
    expect((await run(http, first, [conn.id], { allowOlder: true })).results[0]).toMatchObject({ action: 'upload', verified: true, active: true });
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
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, active: true, error: null });
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
    expect(r.results.map((x) => [x.connector.displayName, x.error?.code ?? x.action])).toEqual([
      ['zz', 'GRAPH_NOT_FOUND'],
      ['e', 'replace'],
    ]);
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
});

describe('timeouts', () => {
  it('an upload whose answer never comes times out, is looked for, and found: not sent twice', async () => {
    const started = await startEmulator();
    emulator = started.emulator;
    const http = client(started.url, emulator.token);
    // Real waits here: the emulator finishes the slow upload while the client looks for it.
    const fast = new GraphHttp({ baseUrl: started.url, token: staticToken(emulator.token), timeoutMs: 300 });
    const conn = await createConnector(http, basicConnector('slow'));
    await run(http, first, [conn.id]);
    emulator.faults.push({ kind: 'delay', delayMs: 1500, method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(fast, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, error: null });
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(1);
  });
});
