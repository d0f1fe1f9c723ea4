// The emulator against SPEC.md's Graph facts, over raw HTTP.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator, rulesFromProbe } from '../../src/emulator/server.js';
import { basicConnector, candidate, NOW, startEmulator, type Candidate } from './setup.js';

let emulator: GraphEmulator;
let url: string;
afterEach(async () => {
  await emulator?.stop();
});
let a: Candidate;
let b: Candidate;
let future: Candidate;
let aes: Candidate;
beforeAll(async () => {
  a = await candidate('CN=a');
  b = await candidate('CN=b', { days: 400 });
  future = await candidate('CN=future', { startDaysAgo: -10 });
  aes = await candidate('CN=aes', { profile: 'modern' });
});

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(path.startsWith('http') ? path : `${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token ?? emulator.token}`, 'content-type': 'application/json', 'client-request-id': 'crid-1' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}
const b64 = (c: Candidate): string => Buffer.from(c.pkcs12).toString('base64');
const pkcs12 = (c: Candidate, type = '#microsoft.graph.pkcs12Certificate') => ({ '@odata.type': type, pkcs12Value: b64(c), password: c.password });
const certConnector = (name: string, c: Candidate) => ({ ...basicConnector(name), authenticationConfiguration: pkcs12(c) });
const active = (json: any): [string, boolean][] => json.authenticationConfiguration.certificateList.map((e: { thumbprint: string; isActive: boolean }) => [e.thumbprint, e.isActive]);

describe('the Graph emulator', () => {
  it('create 201, Basic password shown as ******, get, PATCH 204 replacing the list, upload 200 appending, delete', async () => {
    ({ emulator, url } = await startEmulator());
    const created = await call('POST', '/identity/apiConnectors', basicConnector('x'));
    expect(created.status).toBe(201);
    expect(created.json.authenticationConfiguration).toEqual({ '@odata.type': '#microsoft.graph.basicAuthentication', username: 'svc', password: '******' });
    const id = created.json.id;
    const patch = await call('PATCH', `/identity/apiConnectors/${id}`, {
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: b64(a), password: a.password },
    });
    expect(patch.status).toBe(204);
    const up = await call('POST', `/identity/apiConnectors/${id}/uploadClientCertificate`, { pkcs12Value: b64(future), password: future.password });
    expect(up.status).toBe(200);
    const list = up.json.authenticationConfiguration.certificateList;
    expect(up.json.authenticationConfiguration['@odata.type']).toBe('#microsoft.graph.clientCertificateAuthentication');
    // The newer upload is not valid yet, so the older one stays active.
    expect(list.map((e: { thumbprint: string; isActive: boolean }) => [e.thumbprint, e.isActive])).toEqual([
      [a.thumbprint, true],
      [future.thumbprint, false],
    ]);
    expect(list[0]).toEqual({ thumbprint: a.thumbprint, notBefore: a.bundle.certificates[0]!.notBefore, notAfter: a.bundle.certificates[0]!.notAfter, isActive: true });
    const again = await call('PATCH', `/identity/apiConnectors/${id}`, {
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: b64(a), password: a.password },
    });
    expect(again.status).toBe(204);
    expect((await call('GET', `/identity/apiConnectors/${id}`)).json.authenticationConfiguration.certificateList).toHaveLength(1);
    expect((await call('DELETE', `/identity/apiConnectors/${id}`)).status).toBe(204);
    expect((await call('GET', `/identity/apiConnectors/${id}`)).status).toBe(404);
  });

  it("Graph's error format, request-id, client-request-id; 401 without the token; a wrong PFX password", async () => {
    ({ emulator, url } = await startEmulator());
    const noauth = await call('GET', '/identity/apiConnectors', undefined, 'wrong');
    expect(noauth.status).toBe(401);
    expect(noauth.json.error.code).toBe('InvalidAuthenticationToken');
    expect(noauth.json.error.innerError['request-id']).toBe(noauth.headers.get('request-id'));
    expect(noauth.headers.get('client-request-id')).toBe('crid-1');
    const created = await call('POST', '/identity/apiConnectors', certConnector('x', a));
    const bad = await call('POST', `/identity/apiConnectors/${created.json.id}/uploadClientCertificate`, { pkcs12Value: b64(future), password: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('AADB2C90213');
    expect((await call('GET', '/identity/apiConnectors/missing')).status).toBe(404);
  });

  it('pages with @odata.nextLink until absent', async () => {
    ({ emulator, url } = await startEmulator({ pageSize: 2 }));
    for (const n of ['1', '2', '3', '4', '5']) await call('POST', '/identity/apiConnectors', basicConnector(n));
    const names: string[] = [];
    let next: string | undefined = '/identity/apiConnectors';
    let pages = 0;
    while (next) {
      const page = await call('GET', next);
      names.push(...page.json.value.map((c: { displayName: string }) => c.displayName));
      next = page.json['@odata.nextLink'];
      pages++;
    }
    expect([names, pages]).toEqual([['1', '2', '3', '4', '5'], 3]);
  });

  it('persists state atomically, without secrets, and loads it again', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'pfxkit-emu-')), 'state.json');
    ({ emulator, url } = await startEmulator({ statePath: state }));
    const created = await call('POST', '/identity/apiConnectors', basicConnector('kept'));
    await call('PATCH', `/identity/apiConnectors/${created.json.id}`, { authenticationConfiguration: pkcs12(a) });
    await emulator.stop();
    const text = readFileSync(state, 'utf8');
    expect(text).not.toContain('basic-Secret-123');
    expect(text).not.toContain(b64(a).slice(0, 40));
    emulator = new GraphEmulator({ statePath: state, now: () => NOW.getTime() });
    url = await emulator.start();
    const got = await call('GET', `/identity/apiConnectors/${created.json.id}`);
    expect(got.json.authenticationConfiguration.certificateList[0].thumbprint).toBe(a.thumbprint);
  });

  it('throttles past N requests a minute with a Retry-After', async () => {
    ({ emulator, url } = await startEmulator({ throttlePerMinute: 3, now: Date.now }));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await call('GET', '/identity/apiConnectors'));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 429, 429]);
    expect(Number(statuses[3]!.headers.get('retry-after'))).toBeGreaterThan(50);
  });
});

describe('the documented facts, by default', () => {
  it('an AES-encrypted bundle gets AADB2C90213 with the right password; acceptAes takes it', async () => {
    ({ emulator, url } = await startEmulator());
    const created = await call('POST', '/identity/apiConnectors', certConnector('x', a));
    const refused = await call('POST', `/identity/apiConnectors/${created.json.id}/uploadClientCertificate`, { pkcs12Value: b64(aes), password: aes.password });
    expect([refused.status, refused.json.error.code, refused.json.error.message]).toEqual([400, 'AADB2C90213', 'The certificate password provided in request is incorrect.']);
    const patched = await call('PATCH', `/identity/apiConnectors/${created.json.id}`, { authenticationConfiguration: pkcs12(aes) });
    expect(patched.json.error.code).toBe('AADB2C90213');
    await emulator.stop();
    ({ emulator, url } = await startEmulator({ acceptAes: true }));
    const other = await call('POST', '/identity/apiConnectors', certConnector('y', a));
    expect((await call('POST', `/identity/apiConnectors/${other.json.id}/uploadClientCertificate`, { pkcs12Value: b64(aes), password: aes.password })).status).toBe(200);
  });

  it.each([
    ['newest', [false, true]],
    ['oldest', [true, false]],
  ] as const)('active rule %s: which of two valid certificates is active', async (rule, want) => {
    ({ emulator, url } = await startEmulator({ activeRule: rule }));
    const created = await call('POST', '/identity/apiConnectors', certConnector('x', a));
    const up = await call('POST', `/identity/apiConnectors/${created.json.id}/uploadClientCertificate`, { pkcs12Value: b64(b), password: b.password });
    expect(active(up.json)).toEqual([
      [a.thumbprint, want[0]],
      [b.thumbprint, want[1]],
    ]);
  });

  it('an upload to a Basic-auth connector is refused (basicUpload convert switches it)', async () => {
    ({ emulator, url } = await startEmulator());
    const created = await call('POST', '/identity/apiConnectors', basicConnector('x'));
    const up = await call('POST', `/identity/apiConnectors/${created.json.id}/uploadClientCertificate`, { pkcs12Value: b64(a), password: a.password });
    expect([up.status, up.json.error.code]).toEqual([400, 'BadRequest']);
    expect((await call('GET', `/identity/apiConnectors/${created.json.id}`)).json.authenticationConfiguration['@odata.type']).toBe('#microsoft.graph.basicAuthentication');
    await emulator.stop();
    ({ emulator, url } = await startEmulator({ basicUpload: 'convert' }));
    const other = await call('POST', '/identity/apiConnectors', basicConnector('y'));
    const converted = await call('POST', `/identity/apiConnectors/${other.json.id}/uploadClientCertificate`, { pkcs12Value: b64(a), password: a.password });
    expect(active(converted.json)).toEqual([[a.thumbprint, true]]);
  });

  it('paths match case-insensitively; @odata.type with or without #; password required', async () => {
    ({ emulator, url } = await startEmulator());
    const created = await call('POST', '/identity/apiconnectors', { ...basicConnector('x'), authenticationConfiguration: pkcs12(a, 'microsoft.graph.pkcs12Certificate') });
    expect(created.status).toBe(201);
    const id: string = created.json.id;
    expect((await call('GET', `/identity/APICONNECTORS/${id.toUpperCase()}`)).json.id).toBe(id);
    const noPassword = await call('POST', `/identity/apiconnectors/${id}/uploadclientcertificate`, { pkcs12Value: b64(b) });
    expect([noPassword.status, noPassword.json.error.message]).toEqual([400, expect.stringMatching(/password is required/)]);
    const up = await call('POST', `/identity/apiconnectors/${id}/UploadClientCertificate`, { pkcs12Value: b64(b), password: b.password });
    expect(up.status).toBe(200);
    const basicNoHash = await call('PATCH', `/identity/apiConnectors/${id}`, {
      authenticationConfiguration: { '@odata.type': 'microsoft.graph.basicAuthentication', username: 'u', password: 'p-Secret-1' },
    });
    expect(basicNoHash.status).toBe(204);
  });

  it('a 403 fault answers as Graph does for a missing permission', async () => {
    ({ emulator, url } = await startEmulator());
    emulator.faults.push({ kind: 'status', status: 403 });
    const denied = await call('GET', '/identity/apiConnectors');
    expect([denied.status, denied.json.error.code]).toEqual([403, 'Authorization_RequestDenied']);
  });

  it('throttles at 200 requests a minute unless told otherwise', async () => {
    emulator = new GraphEmulator({ now: () => NOW.getTime() });
    url = await emulator.start();
    const statuses: number[] = [];
    for (let i = 0; i < 201; i++) statuses.push((await call('GET', '/identity/apiConnectors')).status);
    expect([statuses.filter((s) => s === 200).length, statuses.at(-1)]).toEqual([200, 429]);
  });

  it('acceptDuplicate false refuses a certificate already listed', async () => {
    ({ emulator, url } = await startEmulator({ acceptDuplicate: false }));
    const created = await call('POST', '/identity/apiConnectors', certConnector('x', a));
    const dup = await call('POST', `/identity/apiConnectors/${created.json.id}/uploadClientCertificate`, { pkcs12Value: b64(a), password: a.password });
    expect([dup.status, dup.json.error.message]).toEqual([400, expect.stringMatching(/already present/)]);
  });

  it('rules from a probe document; "other" and malformed ones are refused', () => {
    const doc = { activeRule: 'oldest', acceptsAes: true, basicUpload: 'convert', acceptsDuplicate: false, epochsExact: true, connector: { id: 'x', deleted: true } };
    expect(rulesFromProbe(doc)).toEqual({ activeRule: 'oldest', acceptAes: true, basicUpload: 'convert', acceptDuplicate: false });
    expect(() => rulesFromProbe({ ...doc, activeRule: 'other' })).toThrow(/cannot be emulated/);
    expect(() => rulesFromProbe({ ...doc, acceptsAes: 'yes' })).toThrow(/acceptsAes/);
    expect(() => rulesFromProbe([])).toThrow(/JSON object/);
  });
});
