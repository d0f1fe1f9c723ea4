// Key Vault as a source, over real https against the stand-in on 127.0.0.1 (challenge auth, its
// own generated certificate trusted through the `ca` option): no mocked fetch, no real sleeps.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../../src/emulator/keyvault.js';
import { createClientBundle, mintSelfSigned, readPkcs12 } from '../../src/index.js';
import { reportKeyVault } from '../../src/report/keyvault.js';
import { listKeyVaultCertificates, readKeyVaultBundle, type KeyVaultOptions } from '../../src/sources/keyvault.js';
import { pemToPkcs12 } from '../../src/sources/pem.js';
import { parseKeyVaultUrl } from '../../src/sources/url.js';

const NOW = new Date('2027-02-01T00:00:00Z');
const DAY = 86_400_000;
let kv: KeyVaultEmulator;
let url = '';
const thumbs: Record<string, string> = {};
let firstVersion = '';
let pem = '';

const opts = (sleeps: number[] = [], extra: Partial<KeyVaultOptions> = {}): KeyVaultOptions => ({
  token: kv.token,
  ca: kv.caPem,
  retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
  ...extra,
});

/** A raw https GET to the stand-in (what the SDK does not show: headers, status of the challenge). */
function get(path: string, token?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: kv.caPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  kv = new KeyVaultEmulator({ pageSize: 1, now: () => NOW.getTime(), token: `kv-token-${Date.now()}` });
  url = await kv.start();
  // A Key Vault download: the empty password, AES (modern) as Key Vault writes by default.
  const old = await createClientBundle({ subject: 'CN=kv-old', now: new Date(NOW.getTime() - 300 * DAY), days: 320, password: '', profile: 'modern', iterations: 2048, key: 'ec-p256' });
  const cur = await createClientBundle({ subject: 'CN=kv-current', now: new Date(NOW.getTime() - DAY), days: 365, password: '', profile: 'modern', iterations: 2048, key: 'ec-p256' });
  const v1 = await kv.addCertificate('api-client', { pkcs12: old.pkcs12 });
  const v2 = await kv.addCertificate('api-client', { pkcs12: cur.pkcs12 });
  firstVersion = v1.version;
  thumbs.old = v1.thumbprint;
  thumbs.current = v2.thumbprint;
  const minted = await mintSelfSigned({ subject: 'CN=kv-pem, O=Contoso', now: new Date(NOW.getTime() - DAY), days: 10, key: 'ec-p256' });
  pem = `${minted.key.export({ format: 'pem', type: 'pkcs8' }).toString()}${minted.pem}`;
  thumbs.pem = minted.certificate.thumbprint;
  kv.addPemSecret('pem-client', pem);
  await kv.addCertificate('pem-cert', { pem });
  kv.addSecret('not-a-bundle', 'hello', { contentType: 'text/plain' });
});

afterAll(async () => {
  await kv?.stop();
});

describe('parseKeyVaultUrl', () => {
  const cases: { name: string; url: string; want: Partial<ReturnType<typeof parseKeyVaultUrl>> | string }[] = [
    {
      name: 'secret, current',
      url: 'https://contoso-kv.vault.azure.net/secrets/api-client',
      want: { kind: 'secret', name: 'api-client', version: null, cloud: 'global', scope: 'https://vault.azure.net/.default', loopback: false },
    },
    { name: 'secret version', url: 'https://contoso-kv.vault.azure.net/secrets/api-client/0123456789abcdef0123456789abcdef/', want: { version: '0123456789abcdef0123456789abcdef' } },
    { name: 'certificate', url: 'https://Contoso-KV.vault.azure.net/certificates/api-client', want: { kind: 'certificate', vaultUrl: 'https://contoso-kv.vault.azure.net' } },
    { name: 'US Government', url: 'https://kv1.vault.usgovcloudapi.net/secrets/a', want: { cloud: 'usgov', scope: 'https://vault.usgovcloudapi.net/.default' } },
    { name: 'China', url: 'https://kv1.vault.azure.cn/secrets/a', want: { cloud: 'china', scope: 'https://vault.azure.cn/.default' } },
    { name: 'Germany', url: 'https://kv1.vault.microsoftazure.de/secrets/a', want: { cloud: 'germany' } },
    { name: 'loopback', url: 'https://127.0.0.1:8443/secrets/a', want: { loopback: true, vaultUrl: 'https://127.0.0.1:8443' } },
    { name: 'localhost', url: 'https://localhost:8443/certificates/a', want: { loopback: true } },
    { name: 'IPv6 loopback', url: 'https://[::1]:8443/certificates/a', want: { loopback: true, vaultUrl: 'https://[::1]:8443' } },
    { name: 'http refused', url: 'http://127.0.0.1:8443/secrets/a', want: 'over https only' },
    { name: 'another host', url: 'https://evil.example.com/secrets/a', want: 'not a vault host' },
    { name: 'a look-alike host', url: 'https://vault.azure.net.evil.com/secrets/a', want: 'not a vault host' },
    { name: 'keys are not bundles', url: 'https://kv1.vault.azure.net/keys/a', want: 'names no secret or certificate' },
    { name: 'a bad name', url: 'https://kv1.vault.azure.net/secrets/a_b', want: 'not a Key Vault object name' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (typeof c.want === 'string') expect(() => parseKeyVaultUrl(c.url)).toThrow(c.want);
      else expect(parseKeyVaultUrl(c.url)).toMatchObject(c.want);
    });
  }
});

describe('the Key Vault stand-in', () => {
  it('answers a request without a token with the challenge, then serves the bearer token it was given', async () => {
    const bare = await get('/secrets/pem-client?api-version=7.5');
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toBe(`Bearer authorization="https://login.microsoftonline.com/${kv.tenant}", resource="https://vault.azure.net"`);
    expect(bare.body).toMatchObject({ error: { code: 'Unauthorized' } });
    expect(bare.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const ok = await get('/secrets/pem-client?api-version=7.5', kv.token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ contentType: 'application/x-pem-file', id: expect.stringMatching(new RegExp(`^${url}/secrets/pem-client/[0-9a-f]{32}$`)) });
    const noVersion = await get('/secrets/pem-client', kv.token);
    expect(noVersion).toMatchObject({ status: 400, body: { error: { code: 'BadParameter' } } });
  });

  it('a certificate has sid, x5t, cer and nbf/exp; the list pages with nextLink', async () => {
    const c = await get('/certificates/api-client?api-version=7.5', kv.token);
    const body = c.body as { sid: string; x5t: string; cer: string; attributes: { nbf: number; exp: number } };
    expect(body.sid).toMatch(new RegExp(`^${url}/secrets/api-client/[0-9a-f]{32}$`));
    expect(Buffer.from(body.x5t, 'base64url').toString('hex').toUpperCase()).toBe(thumbs.current);
    expect(body.attributes.exp).toBeGreaterThan(body.attributes.nbf);
    const page1 = (await get('/certificates?api-version=7.5', kv.token)).body as { value: unknown[]; nextLink: string };
    expect(page1.value).toHaveLength(1);
    const page2 = (await get(page1.nextLink.slice(url.length), kv.token)).body as { value: unknown[]; nextLink: string | null };
    expect(page2).toMatchObject({ value: [expect.anything()], nextLink: null });
    const missing = await get('/certificates/nope?api-version=7.5', kv.token);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'CertificateNotFound' } } });
  });
});

describe('readKeyVaultBundle', () => {
  it('by secret URL: the current version, base64 PKCS#12 with the empty password', async () => {
    const r = await readKeyVaultBundle(`${url}/secrets/api-client`, opts());
    expect(r).toMatchObject({ password: '', contentType: 'application/x-pkcs12', fromPem: false, certificateId: null });
    expect((await readPkcs12(r.pkcs12, { password: r.password })).leaf).toBe(thumbs.current);
  });

  it('by secret version and by certificate version URL: that version', async () => {
    const s = await readKeyVaultBundle(`${url}/secrets/api-client/${firstVersion}`, opts());
    expect((await readPkcs12(s.pkcs12, { password: '' })).leaf).toBe(thumbs.old);
    const c = await readKeyVaultBundle(`${url}/certificates/api-client/${firstVersion}`, opts());
    expect(c.secretId).toBe(`${url}/secrets/api-client/${firstVersion}`);
    expect((await readPkcs12(c.pkcs12, { password: '' })).leaf).toBe(thumbs.old);
  });

  it('by certificate URL: resolves the sid of the current version', async () => {
    const r = await readKeyVaultBundle(`${url}/certificates/api-client`, opts());
    expect(r.certificateId).toMatch(new RegExp(`^${url}/certificates/api-client/[0-9a-f]{32}$`));
    expect(r.secretId).toBe(r.certificateId!.replace('/certificates/', '/secrets/'));
    expect((await readPkcs12(r.pkcs12, { password: '' })).leaf).toBe(thumbs.current);
  });

  it('a PEM secret (and a PEM certificate) is packaged as a compat PKCS#12 with the empty password', async () => {
    for (const u of [`${url}/secrets/pem-client`, `${url}/certificates/pem-cert`]) {
      const r = await readKeyVaultBundle(u, opts());
      expect(r).toMatchObject({ fromPem: true, contentType: 'application/x-pem-file', password: '' });
      const b = await readPkcs12(r.pkcs12, { password: '' });
      expect(b.leaf).toBe(thumbs.pem);
      expect(b.privateKeys).toBe(1);
      expect(b.encryption.join(' ')).toMatch(/3DES|TripleDES|des-ede3/i);
      expect(b.integrity).toMatchObject({ kind: 'mac', digest: 'sha1' });
    }
  });

  it('pemToPkcs12 puts the certificate of the key first and refuses PEM without a key', async () => {
    const other = await mintSelfSigned({ subject: 'CN=ca-ish', now: NOW, days: 10, key: 'ec-p256' });
    const b = await readPkcs12(await pemToPkcs12(`${other.pem}${pem}`), { password: '' });
    expect(b.leaf).toBe(thumbs.pem);
    expect(b.certificates[0]!.thumbprint).toBe(thumbs.pem);
    await expect(pemToPkcs12(other.pem)).rejects.toThrow(/no private key/);
  });

  it('a missing secret is KEYVAULT_NOT_FOUND with Key Vault code and request id; a refused token is KEYVAULT_AUTH, the token never in the message', async () => {
    const missing = await readKeyVaultBundle(`${url}/secrets/nope`, opts()).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'KEYVAULT_NOT_FOUND', serviceCode: 'SecretNotFound' });
    expect((missing as Error).message).toMatch(/404 SecretNotFound: .*\(x-ms-request-id [0-9a-f-]{36}\)/);
    const missingCert = await readKeyVaultBundle(`${url}/certificates/nope`, opts()).catch((e: unknown) => e);
    expect(missingCert).toMatchObject({ code: 'KEYVAULT_NOT_FOUND', serviceCode: 'CertificateNotFound' });
    const canary = 'canary-token-3f9a1c77e0d2';
    const refused = await readKeyVaultBundle(`${url}/secrets/api-client`, opts([], { token: canary })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'KEYVAULT_AUTH', serviceCode: 'Unauthorized' });
    expect(JSON.stringify({ m: (refused as Error).message, s: (refused as Error).stack })).not.toContain(canary);
  });

  it('a 403 is KEYVAULT_AUTH; a secret that is no bundle is MALFORMED', async () => {
    kv.faults.push({ kind: 'status', status: 403, path: /^\/secrets\/api-client$/ });
    const forbidden = await readKeyVaultBundle(`${url}/secrets/api-client`, opts()).catch((e: unknown) => e);
    expect(forbidden).toMatchObject({ code: 'KEYVAULT_AUTH', serviceCode: 'Forbidden' });
    await expect(readKeyVaultBundle(`${url}/secrets/not-a-bundle`, opts())).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('retries a 429 after its Retry-After and a 503 with backoff (injected sleeper), then succeeds', async () => {
    kv.faults.push({ kind: 'throttle', retryAfter: '7', path: /^\/secrets\/pem-client$/ }, { kind: 'status', status: 503, path: /^\/secrets\/pem-client$/ });
    const before = kv.requests.length;
    const sleeps: number[] = [];
    const r = await readKeyVaultBundle(`${url}/secrets/pem-client`, opts(sleeps));
    expect(r.fromPem).toBe(true);
    expect(sleeps).toEqual([7000, 750]);
    expect(kv.requests.slice(before).map((x) => x.status)).toEqual([401, 429, 503, 200]);
  });

  it('429 and 503 that do not stop are KEYVAULT_UNAVAILABLE after the retries, with the request id', async () => {
    kv.faults.push({ kind: 'status', status: 503, times: 4, path: /^\/secrets\/pem-client$/ });
    const sleeps: number[] = [];
    const err = await readKeyVaultBundle(`${url}/secrets/pem-client`, opts(sleeps, { retry: { maxRetries: 3, sleep: async (ms) => void sleeps.push(ms), random: () => 0 } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEYVAULT_UNAVAILABLE', serviceCode: 'ServiceUnavailable' });
    expect((err as Error).message).toMatch(/503 ServiceUnavailable.*x-ms-request-id [0-9a-f-]{36}/);
    expect(sleeps).toEqual([250, 500, 1000]);
    kv.faults.push({ kind: 'throttle', retryAfter: '1000', times: 3, path: /^\/secrets\/pem-client$/ });
    const waits: number[] = [];
    const throttled = await readKeyVaultBundle(`${url}/secrets/pem-client`, opts([], { retry: { maxRetries: 2, maxDelayMs: 60_000, sleep: async (ms) => void waits.push(ms) } })).catch(
      (e: unknown) => e,
    );
    expect(throttled).toMatchObject({ code: 'KEYVAULT_UNAVAILABLE', serviceCode: 'Throttled' });
    expect(waits).toEqual([60_000, 60_000]);
  });

  it('without the stand-in CA the TLS failure is KEYVAULT_UNAVAILABLE and says how to trust it; no vault listens: KEYVAULT_UNAVAILABLE', async () => {
    const err = await readKeyVaultBundle(`${url}/secrets/api-client`, { token: kv.token, retry: { sleep: async () => {} } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEYVAULT_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/NODE_EXTRA_CA_CERTS/);
    const closed = await readKeyVaultBundle('https://127.0.0.1:1/secrets/x', opts([], { retry: { maxRetries: 1, sleep: async () => {} } })).catch((e: unknown) => e);
    expect(closed).toMatchObject({ code: 'KEYVAULT_UNAVAILABLE' });
  });

  it('a credential that fails is KEYVAULT_AUTH', async () => {
    const credential = { getToken: async () => Promise.reject(new Error('no managed identity here')) };
    await expect(readKeyVaultBundle(`${url}/secrets/api-client`, { credential, ca: kv.caPem })).rejects.toMatchObject({
      code: 'KEYVAULT_AUTH',
      message: expect.stringMatching(/no managed identity here/),
    });
  });
});

describe('listKeyVaultCertificates and reportKeyVault', () => {
  it('every certificate, current version, through the pages', async () => {
    const list = await listKeyVaultCertificates(url, opts());
    expect(list.map((c) => [c.name, c.thumbprint])).toEqual([
      ['api-client', thumbs.current],
      ['pem-cert', thumbs.pem],
    ]);
    expect(list[0]!.subject).toBe('CN=kv-current');
  });

  it('rows with source keyvault, Graph-form thumbprints, epochs and statuses; an unreadable vault is an errors entry', async () => {
    const canary = 'canary-token-report-77b2';
    const report = await reportKeyVault([url, 'https://127.0.0.1:1', `${url}/secrets/x`], {
      now: NOW,
      keyVault: (vault) => (vault === url ? opts() : opts([], { token: canary, retry: { maxRetries: 0 } })),
    });
    expect(report.generatedAt).toBe(NOW.getTime() / 1000);
    expect(report.rows).toHaveLength(2);
    const [pemRow, apiRow] = report.rows;
    expect(Object.keys(apiRow!)).toEqual(['source', 'connector', 'keyset', 'kid', 'path', 'thumbprint', 'subject', 'notBefore', 'notAfter', 'daysRemaining', 'renewAt', 'isActive', 'status']);
    expect(apiRow).toMatchObject({ source: 'keyvault', connector: null, keyset: null, kid: null, thumbprint: thumbs.current, subject: 'CN=kv-current', isActive: null, status: 'ok' });
    expect(apiRow!.path).toMatch(new RegExp(`^${url}/certificates/api-client/[0-9a-f]{32}$`));
    expect(apiRow!.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(apiRow!.notAfter - apiRow!.notBefore).toBe(365 * 86_400 + 300);
    expect(pemRow).toMatchObject({ source: 'keyvault', thumbprint: thumbs.pem, subject: 'CN=kv-pem, O=Contoso', status: 'critical', daysRemaining: 9 });
    expect(report.errors).toEqual([
      { path: 'https://127.0.0.1:1', code: 'KEYVAULT_UNAVAILABLE', message: expect.any(String) },
      { path: `${url}/secrets/x`, code: 'USAGE', message: expect.stringMatching(/not a vault URL/) },
    ]);
    expect(JSON.stringify(report)).not.toContain(canary);
    const refused = await reportKeyVault([url], { now: NOW, keyVault: opts([], { token: canary }) });
    expect(refused).toMatchObject({ rows: [], errors: [{ path: url, code: 'KEYVAULT_AUTH' }] });
    expect(JSON.stringify(refused)).not.toContain(canary);
  });
});
