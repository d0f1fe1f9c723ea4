// B2C policy keysets (Graph beta) over HTTP against the emulator: the typed calls, the rotation
// scenarios (upload and verify, rerun, plan, lost answer, missing keyset, staging by nbf, faults),
// and the emulator's keyset endpoints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { betaUrlOf } from '../../src/graph/clouds.js';
import type { GraphHttp } from '../../src/graph/http.js';
import { fileJournal } from '../../src/graph/journal.js';
import { createKeySet, getActiveKey, getKeySet, keysetIdOf, listKeySets, thumbprintOfX5t, uploadPkcs12 } from '../../src/graph/keysets.js';
import { rotate, type RotateOptions } from '../../src/graph/rotate.js';
import type { GraphEmulator } from '../../src/emulator/server.js';
import { createConnector } from '../../src/graph/connectors.js';
import { basicConnector, candidate, client, NOW, startEmulator, type Candidate } from './setup.js';

let current: Candidate;
let next: Candidate;
let future: Candidate;
let aes: Candidate;
let noPassword: Candidate;
beforeAll(async () => {
  current = await candidate('CN=current', { startDaysAgo: 30, days: 365 });
  next = await candidate('CN=next', { startDaysAgo: 1, days: 400 });
  future = await candidate('CN=future', { startDaysAgo: -5, days: 500 });
  aes = await candidate('CN=aes', { profile: 'modern', days: 450 });
  noPassword = await candidate('CN=nopass', { password: '', days: 420 });
});

let emulator: GraphEmulator;
afterEach(async () => {
  await emulator?.stop();
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}): Promise<{ url: string; http: GraphHttp; beta: GraphHttp; sleeps: number[] }> {
  const started = await startEmulator(options);
  emulator = started.emulator;
  const sleeps: number[] = [];
  const http = client(started.url, emulator.token, sleeps);
  return { url: started.url, http, beta: http.withBaseUrl(betaUrlOf(started.url)), sleeps };
}

const journal = () => fileJournal(mkdtempSync(join(tmpdir(), 'pfxkit-keyset-journal-')));
const run = (http: GraphHttp, c: Candidate, keysets: string[], extra: Partial<RotateOptions> = {}) =>
  rotate({ http, journal: journal(), bundle: c.bundle, pkcs12: c.pkcs12, password: c.password, keysets, now: NOW, ...extra });
const writes = (e: GraphEmulator): number => e.requests.filter((r) => r.method !== 'GET').length;
const b64 = (c: Candidate): string => Buffer.from(c.pkcs12).toString('base64');

describe('keyset calls', () => {
  it('the beta root is derived from the configured one', () => {
    expect(betaUrlOf('https://graph.microsoft.com/v1.0')).toBe('https://graph.microsoft.com/beta');
    expect(betaUrlOf('https://graph.microsoft.us/beta/')).toBe('https://graph.microsoft.us/beta');
    expect(betaUrlOf('http://127.0.0.1:8080/graph/V1.0')).toBe('http://127.0.0.1:8080/graph/beta');
    expect(betaUrlOf('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/beta');
  });

  it("x5t (base64url SHA-1) becomes Graph's hex thumbprint; anything else is not one", () => {
    expect(thumbprintOfX5t(Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex').toString('base64url'))).toBe('00112233445566778899AABBCCDDEEFF00112233');
    expect(thumbprintOfX5t('short')).toBeNull();
    expect(thumbprintOfX5t(undefined)).toBeNull();
    expect(keysetIdOf('RestApiClientCertificate')).toBe('B2C_1A_RestApiClientCertificate');
    expect(keysetIdOf('b2c_1a_x')).toBe('b2c_1a_x');
  });

  it('create (prefix added), list over pages, upload, get, getActiveKey: the latest nbf that has passed', async () => {
    const { beta } = await setup({ pageSize: 1 });
    expect((await createKeySet(beta, 'RestApiClientCertificate')).id).toBe('B2C_1A_RestApiClientCertificate');
    await createKeySet(beta, 'B2C_1A_Other');
    expect((await listKeySets(beta)).map((k) => k.id)).toEqual(['B2C_1A_RestApiClientCertificate', 'B2C_1A_Other']);
    const id = 'B2C_1A_RestApiClientCertificate';
    expect(await getActiveKey(beta, id)).toBeNull();
    const key = await uploadPkcs12(beta, id, b64(current), current.password);
    expect(thumbprintOfX5t(key.x5t)).toBe(current.thumbprint);
    expect([key.nbf, key.exp]).toEqual([current.bundle.certificates[0]!.notBefore, current.bundle.certificates[0]!.notAfter]);
    await uploadPkcs12(beta, id, b64(future), future.password);
    await uploadPkcs12(beta, id, b64(next), next.password);
    expect((await getKeySet(beta, id)).keys).toHaveLength(3);
    // next's nbf passed last; future's has not passed yet.
    expect(thumbprintOfX5t((await getActiveKey(beta, id))?.x5t)).toBe(next.thumbprint);
    await expect(createKeySet(beta, 'RestApiClientCertificate')).rejects.toMatchObject({ code: 'GRAPH_REJECTED' });
  });

  it('keysets are beta only: the v1.0 path is 404', async () => {
    const { http } = await setup();
    await expect(listKeySets(http)).rejects.toMatchObject({ code: 'GRAPH_NOT_FOUND' });
  });
});

describe('rotate --keyset', () => {
  it('uploads, verifies by re-reading the keyset, reads active from getActiveKey; a rerun writes nothing; a plan writes nothing', async () => {
    const { http, beta } = await setup();
    await createKeySet(beta, 'Client');
    const plan = await run(http, current, ['Client'], { dryRun: true });
    expect(plan.results[0]).toMatchObject({ connector: null, keyset: { id: 'B2C_1A_Client' }, action: 'upload', dryRun: true, verified: false });
    expect(writes(emulator)).toBe(1);
    const r = await run(http, current, ['Client']);
    expect(r.exitCode).toBe(0);
    expect(r.results[0]).toMatchObject({ keyset: { id: 'B2C_1A_Client' }, action: 'upload', encoding: 'as-is', verified: true, active: true, duplicates: 0, error: null });
    expect(r.results[0]!.certificateList).toEqual([
      { thumbprint: current.thumbprint, notBefore: current.bundle.certificates[0]!.notBefore, notAfter: current.bundle.certificates[0]!.notAfter, isActive: true },
    ]);
    expect(emulator.count('POST', /uploadPkcs12$/)).toBe(1);
    const before = writes(emulator);
    const again = await run(http, current, ['B2C_1A_Client']);
    expect(again.results[0]).toMatchObject({ action: 'none', verified: true, active: true });
    expect(writes(emulator)).toBe(before);
    // Beside a connector target, in one run.
    const conn = await createConnector(http, {
      ...basicConnector('beside'),
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: b64(current), password: current.password },
    });
    const both = await run(http, next, ['Client'], { connectors: [conn.id], requireActive: true });
    expect(both.results.map((x) => [x.connector?.id ?? x.keyset?.id, x.action, x.verified, x.active])).toEqual([
      [conn.id, 'upload', true, true],
      ['B2C_1A_Client', 'upload', true, true],
    ]);
  });

  it('a missing keyset is GRAPH_NOT_FOUND without --create-keyset; with it, created then uploaded', async () => {
    const { http } = await setup();
    const missing = await run(http, current, ['Nope']);
    expect([missing.exitCode, missing.results[0]!.error?.code, missing.results[0]!.error?.message]).toEqual([2, 'GRAPH_NOT_FOUND', expect.stringMatching(/--create-keyset creates it/)]);
    expect(writes(emulator)).toBe(0);
    const plan = await run(http, current, ['Nope'], { createKeysets: true, dryRun: true });
    expect(plan.results[0]).toMatchObject({ action: 'upload', warnings: [expect.stringMatching(/would be created first/)] });
    expect(writes(emulator)).toBe(0);
    const r = await run(http, current, ['Nope'], { createKeysets: true });
    expect(r.results[0]).toMatchObject({ keyset: { id: 'B2C_1A_Nope' }, action: 'upload', verified: true, active: true });
    expect(emulator.keysets()).toHaveLength(1);
  });

  it('a lost answer is re-read before any second post', async () => {
    const { http, beta } = await setup();
    await createKeySet(beta, 'Client');
    emulator.faults.push({ kind: 'lose-response', method: 'POST', path: /uploadPkcs12$/ });
    const r = await run(http, current, ['Client']);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, error: null });
    expect(emulator.count('POST', /uploadPkcs12$/)).toBe(1);
  });

  it('429 with Retry-After and a 503 on reads are waited out; a 500 to the upload is looked up, then posted again', async () => {
    const { http, beta, sleeps } = await setup();
    await createKeySet(beta, 'Client');
    emulator.faults.push({ kind: 'throttle', method: 'POST', path: /uploadPkcs12$/, retryAfter: '2' });
    emulator.faults.push({ kind: 'status', status: 503, method: 'GET', path: /keySets/ });
    const r = await run(http, current, ['Client']);
    expect(r.results[0]).toMatchObject({ verified: true, error: null });
    expect(sleeps).toContain(2000);
    emulator.faults.push({ kind: 'status', status: 500, method: 'POST', path: /uploadPkcs12$/ });
    const r2 = await run(http, next, ['Client']);
    expect(r2.results[0]).toMatchObject({ verified: true, error: null });
    expect(emulator.count('POST', /uploadPkcs12$/)).toBe(4);
    expect((emulator.keysets()[0] as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it('a not-yet-valid candidate is staged: uploaded, not active, with a warning that B2C takes it at its nbf', async () => {
    const { http, beta } = await setup();
    await createKeySet(beta, 'Client');
    await run(http, current, ['Client']);
    const r = await run(http, future, ['Client']);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, active: false, error: null });
    expect(r.results[0]!.warnings[0]).toMatch(/^staged: .*B2C activates a key at its nbf/);
    expect(thumbprintOfX5t((await getActiveKey(beta, 'B2C_1A_Client'))?.x5t)).toBe(current.thumbprint);
  });

  it('an AES bundle and an empty-password bundle go in the form B2C accepts (3DES, a generated password)', async () => {
    const { http, beta } = await setup();
    await createKeySet(beta, 'Client');
    const r = await run(http, aes, ['Client']);
    expect(r.results[0]).toMatchObject({ encoding: 'compat', verified: true });
    await createKeySet(beta, 'Other');
    const asIs = await run(http, aes, ['Other'], { asIs: true });
    expect(asIs.results[0]!.error).toMatchObject({ code: 'GRAPH_REJECTED', message: expect.stringMatching(/AADB2C90213.*drop --as-is/) });
    const lines: string[] = [];
    const bare = await run(http, noPassword, ['Client'], { log: (l) => lines.push(l), allowOlder: true });
    expect(bare.results[0]).toMatchObject({ encoding: 'compat', verified: true, error: null });
    expect(lines.join('\n')).toMatch(/for a keyset: it has the empty password/);
    expect(JSON.stringify(bare)).not.toMatch(/password"/);
  });

  it('a replace is refused for a keyset (keys cannot be removed one at a time)', async () => {
    const { http, beta } = await setup();
    await createKeySet(beta, 'Client');
    const r = await run(http, current, ['Client'], { mode: 'replace' });
    expect([r.exitCode, r.results[0]!.error?.code]).toEqual([1, 'REFUSED']);
    expect(emulator.count('POST', /uploadPkcs12$/)).toBe(0);
  });
});
