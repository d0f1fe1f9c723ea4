import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PfxkitError, readPkcs12, type Pkcs12Bundle } from '../../src/index.js';
import { manifest, turnsDuring } from '../helpers.js';
import { readWithin } from '../../src/pkcs12/read.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const PW = rows.get('openssl3-default.p12')!.password!;
const bytes = (file: string): Buffer => readFileSync(rows.get(file)!.file);
const read = (file: string, options?: { password?: string; maxIterations?: number }): Promise<Pkcs12Bundle> => readPkcs12(bytes(file), options ?? { password: rows.get(file)!.password });
const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof PfxkitError ? e.code : `not a PfxkitError: ${String(e)}`),
  );

describe('inspect facts', () => {
  it('names most specific first with RFC 4514 escaping, serial, key, friendlyName', async () => {
    const b = await read('openssl3-default.p12');
    const c = b.certificates[0]!;
    // The fixture encodes CN first; RFC 4514 (like Windows) prints the last RDN first.
    expect(c.subject).toBe('C=US, O=Contoso\\, Ltd, CN=pfxkit rsa client');
    expect(c.issuer).toBe(c.subject);
    expect(c.keyAlgorithm).toBe('RSA');
    expect(c.keySize).toBe(2048);
    expect(c.friendlyName).toBe('rsa client');
    expect(c.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(c.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(c.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(b.integrity).toEqual({ kind: 'mac', digest: 'sha256', iterations: 2048 });
    expect(b.encryption).toEqual(['safe: AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)', 'key: AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)']);
  });

  it('a negative serial number reads as openssl prints it', async () => {
    expect((await read('openssl3-negative-serial.p12')).certificates[0]!.serialNumber).toBe('-05');
  });

  it.each([
    ['openssl3-ec.p12', 'EC', 256],
    ['openssl3-ec384.p12', 'EC', 384],
    ['openssl3-ed25519.p12', 'Ed25519', 256],
    ['keytool-genkeypair-ec.p12', 'EC', 256],
  ])('%s has a %s %i-bit key', async (file, alg, size) => {
    const c = (await read(file)).certificates[0]!;
    expect([c.keyAlgorithm, c.keySize, c.hasPrivateKey]).toEqual([alg, size, true]);
  });

  it('the legacy profile shows RC2-40 certificates and a 3DES key under a SHA-1 MAC', async () => {
    const b = await read('openssl3-legacy.p12');
    expect(b.integrity).toEqual({ kind: 'mac', digest: 'sha1', iterations: 2048 });
    expect(b.parts.map((p) => [p.part, p.family, p.cipher])).toEqual([
      ['safe', 'pkcs12-pbe', 'RC2-40-CBC'],
      ['key', 'pkcs12-pbe', '3DES-CBC'],
    ]);
  });

  it('no MAC and no encryption', async () => {
    const b = await read('openssl3-noenc-nomac.p12');
    expect(b.integrity).toEqual({ kind: 'none', digest: null, iterations: null });
    expect(b.encryption).toEqual([]);
    expect(b.leaf).not.toBeNull();
  });

  it('JSON carries exactly the inspect fields and never key material', async () => {
    const b = await read('openssl3-default.p12');
    const json = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['certificates', 'encryption', 'integrity', 'leaf', 'privateKeys']);
    expect(Object.keys((json.certificates as object[])[0]!).sort()).toEqual(
      ['friendlyName', 'hasPrivateKey', 'issuer', 'keyAlgorithm', 'keySize', 'notAfter', 'notBefore', 'serialNumber', 'subject', 'thumbprint', 'thumbprintSha256'].sort(),
    );
    expect(b.keys).toHaveLength(1);
    expect(b.keys[0]!.key?.type).toBe('private');
    expect(JSON.stringify(b.keys)).not.toMatch(/PRIVATE|"d"|MII/);
  });
});

describe('leaf and chain order', () => {
  it('OpenSSL chain: leaf, intermediate, root', async () => {
    const b = await read('openssl3-chain.p12');
    expect(b.certificates.map((c) => c.subject)).toEqual(['CN=pfxkit chained client', 'CN=pfxkit Test Intermediate', 'CN=pfxkit Test Root']);
    expect(b.certificates.map((c) => c.hasPrivateKey)).toEqual([true, false, false]);
  });

  it('forge puts the localKeyId on the root: public keys still find the leaf', async () => {
    const b = await read('forge-chain-root-first.p12');
    expect(b.certificates[0]!.subject).toBe('CN=pfxkit chained client');
    expect(b.leaf).toBe(b.certificates[0]!.thumbprint);
    expect(b.certificates.map((c) => c.subject).slice(1)).toEqual(['CN=pfxkit Test Intermediate', 'CN=pfxkit Test Root']);
  });

  it('a key that matches no certificate is not a leaf, whatever localKeyId says', async () => {
    const b = await read('forge-mismatched-key.p12');
    expect(b.leaf).toBeNull();
    expect(b.privateKeys).toBe(1);
    expect(b.keys[0]!.certificate).toBeNull();
    expect(b.certificates[0]!.hasPrivateKey).toBe(false);
  });

  it('a renewed certificate bundled with the old one for the same key: the renewed one is the leaf', async () => {
    const b = await read('openssl3-renewed-same-key.p12');
    expect(b.certificates[0]!.subject).toBe('CN=pfxkit renewed');
    expect(b.leaf).toBe(b.certificates[0]!.thumbprint);
    expect(b.certificates.map((c) => c.hasPrivateKey)).toEqual([true, true]);
    expect(b.keys[0]!.certificate).toBe(b.leaf);
  });

  it('certificates only: ordered from the end entity up', async () => {
    const b = await read('openssl3-certs-only.p12');
    expect(b.leaf).toBeNull();
    expect(b.certificates[0]!.subject).toBe('CN=pfxkit chained client');
  });

  it('key only', async () => {
    const b = await read('openssl3-key-only.p12');
    expect([b.certificates.length, b.privateKeys, b.leaf]).toEqual([0, 1, null]);
    expect(b.keys[0]!.keyAlgorithm).toBe('RSA');
  });
});

describe('dates', () => {
  it('UTCTime 2049 and GeneralizedTime 2050 at the boundary', async () => {
    const c = (await read('openssl3-boundary-2050.p12')).certificates[0]!;
    expect(c.notBefore).toBe(Date.UTC(2049, 11, 31, 23, 59, 59) / 1000);
    expect(c.notAfter).toBe(Date.UTC(2050, 0, 1) / 1000);
  });
  it('1970 to 9999', async () => {
    const c = (await read('openssl3-far-9999.p12')).certificates[0]!;
    expect([c.notBefore, c.notAfter]).toEqual([0, Date.UTC(9999, 11, 31, 23, 59, 59) / 1000]);
  });
});

describe('bags that are not keys or certificates', () => {
  it('keytool secret-key entry is skipped, the key pair still reads', async () => {
    const b = await read('keytool-secret-key.p12');
    expect(b.privateKeys).toBe(1);
    expect(b.skippedBags).toContain('secretBag');
  });
  it('keytool trust store: certificates, no key', async () => {
    const b = await read('keytool-truststore.p12');
    expect([b.certificates.length, b.privateKeys, b.leaf]).toEqual([2, 0, null]);
  });
});

describe('passwords', () => {
  it('an empty-password file opens with no password, "" or undefined', async () => {
    for (const file of ['openssl3-empty-password.p12', 'openssl3-legacy-empty-password.p12', 'openssl3-noenc-nomac.p12']) {
      expect((await readPkcs12(bytes(file))).privateKeys).toBe(1);
      expect((await readPkcs12(bytes(file), { password: '' })).privateKeys).toBe(1);
    }
  });
  it('forge null password (no MAC, plain key bag) opens without a password', async () => {
    expect((await readPkcs12(bytes('forge-null-password.p12'))).leaf).not.toBeNull();
  });
  it('Unicode passwords: UTF-16 with surrogate pairs, and the pre-1.1 OpenSSL encoding', async () => {
    for (const file of ['openssl3-unicode-password.p12', 'openssl3-legacy-unicode-password.p12', 'forge-legacy-unicode-password.p12']) {
      expect((await read(file)).leaf).not.toBeNull();
    }
  });
  it('wrong password: BAD_PASSWORD, with MAC and without', async () => {
    expect(await codeOf(read('openssl3-default.p12', { password: 'nope' }))).toBe('BAD_PASSWORD');
    expect(await codeOf(read('openssl3-nomac.p12', { password: 'nope' }))).toBe('BAD_PASSWORD');
    expect(await codeOf(read('openssl3-legacy-nomac.p12', { password: 'nope' }))).toBe('BAD_PASSWORD');
    expect(await codeOf(read('openssl3-default.p12', {}))).toBe('BAD_PASSWORD');
  });
  it('the error message never contains the password', async () => {
    const secret = 'canary-Pa55word-xyzzy';
    const err = await read('openssl3-default.p12', { password: secret }).catch((e: unknown) => e as PfxkitError);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain(secret);
  });
});

describe('limits', () => {
  it('maxIterations refuses a count above it before deriving', async () => {
    expect(await codeOf(read('openssl3-default.p12', { password: PW, maxIterations: 2047 }))).toBe('ITERATIONS_LIMIT');
    expect((await read('openssl3-default.p12', { password: PW, maxIterations: 2048 })).leaf).not.toBeNull();
  });
  it('deriving keys ahead never changes a verdict at the edge of the work budget', async () => {
    // One password: MAC (1 SHA-1 chain) + RC2-40 safe (key, IV) + 3DES key (key of 2 chains, IV):
    // 2048 steps at 0.3 units a chain, each request rounded up.
    const within = (name: string, password: string | undefined, workBudget: number): Promise<Pkcs12Bundle> => readWithin(bytes(name), password, { maxIterations: 2048, workBudget });
    const chain = Math.ceil(2048 * 0.3);
    const need = 4 * chain + Math.ceil(2 * 2048 * 0.3);
    expect((await within('openssl3-legacy.p12', PW, need)).leaf).not.toBeNull();
    expect(await codeOf(within('openssl3-legacy.p12', PW, need - 1))).toBe('ITERATIONS_LIMIT');
    // Two candidates (absent and empty) and the non-ASCII forms: the MAC may verify on the second.
    for (const password of [undefined, '']) {
      expect((await within('openssl3-legacy-empty-password.p12', password, need + chain)).leaf).not.toBeNull();
    }
    const unicode = rows.get('openssl3-legacy-unicode-password.p12')!.password!;
    expect((await within('openssl3-legacy-unicode-password.p12', unicode, need + chain)).leaf).not.toBeNull();
    expect(await codeOf(within('openssl3-legacy.p12', 'wrong', need))).toBe('BAD_PASSWORD');
  });
  it('a bad maxIterations is a usage error', async () => {
    expect(await codeOf(read('openssl3-default.p12', { password: PW, maxIterations: 0 }))).toBe('USAGE');
  });
});

describe('input forms', () => {
  const der = bytes('openssl3-default.p12');
  const b64 = der.toString('base64');
  it('base64 string, with line breaks, base64url, as bytes, and UTF-16 text with a BOM (PowerShell)', async () => {
    const want = (await readPkcs12(der, { password: PW })).leaf;
    const forms: (string | Uint8Array)[] = [
      b64,
      b64.replace(/.{64}/g, '$&\r\n'),
      b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      Buffer.from(`${b64}\n`),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b64, 'utf16le')]),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(b64)]),
    ];
    for (const f of forms) expect((await readPkcs12(f, { password: PW })).leaf).toBe(want);
  });
  it('PEM, random text, binary junk, empty: MALFORMED with what was found', async () => {
    const pem = readFileSync(rows.get('broken-pem-certificate.pem')!.file, 'utf8');
    const err = await readPkcs12(pem).catch((e: unknown) => e as PfxkitError);
    expect(err).toMatchObject({ code: 'MALFORMED' });
    expect((err as Error).message).toMatch(/PEM certificate/);
    for (const bad of ['hello, world', Buffer.from([0x01, 0x02, 0x03]), '', new Uint8Array(0), Buffer.from('MIIB'), '-----BEGIN CERTIFICATE-----']) {
      expect(await codeOf(readPkcs12(bad))).toBe('MALFORMED');
    }
  });
  it('trailing zero bytes are tolerated, other trailing bytes are not', async () => {
    expect((await readPkcs12(Buffer.concat([der, Buffer.alloc(8)]), { password: PW })).leaf).not.toBeNull();
    expect(await codeOf(readPkcs12(Buffer.concat([der, Buffer.from('junk')]), { password: PW }))).toBe('MALFORMED');
  });
});

describe('the event loop keeps running', () => {
  it('while a 600,000-iteration NSS bundle is read (sliced KDF, PBKDF2 on the thread pool)', async () => {
    const { result: b, turns } = await turnsDuring(() => read('nss-default.p12'));
    expect(b.leaf).not.toBeNull();
    // Not a timing: the loop got turns during the read, so other work was not starved.
    expect(turns).toBeGreaterThan(10);
  });
});

describe("a file's parts are decrypted side by side", () => {
  it('a -legacy file (SHA-1 MAC, RC2-40 safe, 3DES key) reads the same alone, again, and among concurrent reads', async () => {
    const alone = await read('openssl3-legacy.p12', { password: PW });
    const again = await read('openssl3-legacy.p12', { password: PW });
    const together = await Promise.all([1, 2, 3, 4].map(() => read('openssl3-legacy.p12', { password: PW })));
    for (const b of [again, ...together]) {
      expect(b.certificates).toEqual(alone.certificates);
      expect(b.keys[0]!.key!.equals(alone.keys[0]!.key!)).toBe(true);
    }
    expect(alone.parts.map((p) => p.cipher)).toEqual(['RC2-40-CBC', '3DES-CBC']);
  });
});
