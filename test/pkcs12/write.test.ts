import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertPkcs12, createClientBundle, readPkcs12, validateBundle, writePkcs12, type WriteProfile } from '../../src/index.js';
import { manifest, turnsDuring } from '../helpers.js';
import { haveTool, sh } from '../tools.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const dir = mkdtempSync(join(tmpdir(), 'pfxkit-write-'));
const PW = 'n3w-Pässword'; // non-ASCII: BMP for the PKCS#12 KDF, UTF-8 for PBKDF2 (ours, openssl, NSS)
// keytool (which decodes argv by locale) and node-forge (Latin-1 bytes for PBKDF2) get an ASCII one.
const ASCII_PW = 'Ascii-pass1';
const ITER = { modern: 20_000, compat: 2048 } as const;

const tools = { openssl: haveTool('openssl', ['version']), keytool: haveTool('keytool', ['-help']), pk12util: haveTool('pk12util', ['-h']) };

/** Writes the chain fixture in a profile and returns the file path and its expected thumbprints. */
const written: Record<string, { path: string; ascii: string; thumbs: string[]; leaf: string }> = {};
beforeAll(async () => {
  const src = rows.get('openssl3-chain.p12')!;
  const bundle = await readPkcs12(readFileSync(src.file), { password: src.password });
  for (const profile of ['modern', 'compat'] as WriteProfile[]) {
    const path = join(dir, `${profile}.p12`);
    const ascii = join(dir, `${profile}-ascii.p12`);
    writeFileSync(path, await writePkcs12(bundle, { password: PW, profile, iterations: ITER[profile] }));
    writeFileSync(ascii, await writePkcs12(bundle, { password: ASCII_PW, profile, iterations: ITER[profile] }));
    written[profile] = { path, ascii, thumbs: bundle.certificates.map((c) => c.thumbprint), leaf: bundle.leaf! };
  }
});

const sha1 = (pem: string): string => {
  const b64 = pem.replace(/-----[^-]+-----|\s/g, '');
  return createHash('sha1').update(Buffer.from(b64, 'base64')).digest('hex').toUpperCase();
};
const pemBlocks = (text: string, label: string): string[] => text.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g')) ?? [];

describe.each(['modern', 'compat'] as const)('writePkcs12 %s round trips', (profile) => {
  it('our reader: same certificates in order, key, friendlyName, localKeyId, profile', async () => {
    const src = rows.get('openssl3-chain.p12')!;
    const before = await readPkcs12(readFileSync(src.file), { password: src.password });
    const after = await readPkcs12(readFileSync(written[profile]!.path), { password: PW });
    expect(after.certificates).toEqual(before.certificates);
    expect(after.leaf).toBe(before.leaf);
    expect(after.keys[0]!.localKeyId).toBe(before.keys[0]!.localKeyId);
    expect(after.keys[0]!.friendlyName).toBe(before.keys[0]!.friendlyName);
    expect(after.keys[0]!.key!.equals(before.keys[0]!.key!)).toBe(true);
    const want = profile === 'modern' ? { cipher: 'AES-256-CBC', digest: 'sha256', family: 'pbes2' } : { cipher: '3DES-CBC', digest: 'sha1', family: 'pkcs12-pbe' };
    expect(after.parts.map((p) => [p.part, p.family, p.cipher, p.iterations])).toEqual([
      ['safe', want.family, want.cipher, ITER[profile]],
      ['key', want.family, want.cipher, ITER[profile]],
    ]);
    expect(after.integrity).toEqual({ kind: 'mac', digest: want.digest, iterations: ITER[profile] });
    const codes = validateBundle(after, { now: new Date(after.certificates[0]!.notBefore * 1000 + 86_400_000) }).findings.map((f) => f.code);
    expect(codes.includes('ENCRYPTION_COMPAT')).toBe(profile === 'modern');
  });

  it.skipIf(!tools.openssl)('the openssl CLI reads the certificates and the matching key', () => {
    const { path, thumbs, leaf } = written[profile]!;
    const certs = sh('openssl', ['pkcs12', '-in', path, '-passin', `pass:${PW}`, '-nokeys']);
    expect(certs.code, certs.err).toBe(0);
    expect(pemBlocks(certs.out, 'CERTIFICATE').map(sha1).sort()).toEqual([...thumbs].sort());
    const keys = sh('openssl', ['pkcs12', '-in', path, '-passin', `pass:${PW}`, '-nocerts', '-nodes']);
    expect(keys.code, keys.err).toBe(0);
    const key = pemBlocks(keys.out, 'PRIVATE KEY');
    expect(key).toHaveLength(1);
    const leafPem = pemBlocks(certs.out, 'CERTIFICATE').find((p) => sha1(p) === leaf)!;
    const kpub = sh('openssl', ['pkey', '-pubout'], key[0]).out;
    const cpub = sh('openssl', ['x509', '-noout', '-pubkey'], leafPem).out;
    expect(kpub).toBe(cpub);
  });

  it.skipIf(!tools.keytool)('keytool lists a private-key entry with the leaf', () => {
    const r = sh('keytool', ['-list', '-v', '-keystore', written[profile]!.ascii, '-storetype', 'PKCS12', '-storepass', ASCII_PW]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/Entry type: PrivateKeyEntry/);
    expect(r.out).toMatch(/Certificate chain length: 3/);
    const fingerprints = [...r.out.matchAll(/SHA1: ([0-9A-F:]+)/g)].map((m) => m[1]!.replace(/:/g, ''));
    expect(fingerprints[0]).toBe(written[profile]!.leaf);
  });

  it.skipIf(!tools.pk12util)('NSS pk12util decrypts it (certificates and the shrouded key)', () => {
    const r = sh('pk12util', ['-l', written[profile]!.path, '-W', PW]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out.match(/^Certificate/gm)).toHaveLength(3);
    expect(r.out).toMatch(/Key\(shrouded\):/);
  });

  it('node-forge reads the certificates and decrypts the key', () => {
    const der = readFileSync(written[profile]!.ascii).toString('binary');
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), ASCII_PW);
    const certs = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag!]!;
    const keys = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag!]!;
    expect(certs).toHaveLength(3);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key).toBeTruthy();
  });
});

describe('profiles and options', () => {
  it('modern defaults to 600,000 iterations, compat to 2048', async () => {
    const created = await createClientBundle({ subject: 'CN=defaults', now: new Date(), password: 'x', profile: 'modern' });
    const b = await readPkcs12(created.pkcs12, { password: 'x' });
    expect(b.parts.map((p) => p.iterations)).toEqual([600_000, 600_000]);
    expect(b.integrity.iterations).toBe(600_000);
    const compat = await readPkcs12((await createClientBundle({ subject: 'CN=defaults', now: new Date(), password: 'x' })).pkcs12, { password: 'x' });
    expect(compat.integrity).toEqual({ kind: 'mac', digest: 'sha1', iterations: 2048 });
  });

  it('one default profile, compat, for writePkcs12, convertPkcs12 and createClientBundle', async () => {
    const src = rows.get('openssl3-ec.p12')!;
    const b = await readPkcs12(readFileSync(src.file), { password: src.password });
    const written = await readPkcs12(await writePkcs12(b, { password: 'x' }), { password: 'x' });
    const converted = (await convertPkcs12(readFileSync(src.file), { password: src.password })).bundle;
    const created = await readPkcs12((await createClientBundle({ subject: 'CN=defaults', now: new Date(), password: 'x' })).pkcs12, { password: 'x' });
    for (const r of [written, converted, created]) {
      expect(r.parts.map((p) => p.cipher)).toEqual(['3DES-CBC', '3DES-CBC']);
      expect(r.integrity).toEqual({ kind: 'mac', digest: 'sha1', iterations: 2048 });
    }
  });

  it('a 600,000-iteration modern write leaves the event loop running', async () => {
    const src = rows.get('openssl3-ec.p12')!;
    const b = await readPkcs12(readFileSync(src.file), { password: src.password });
    const { result: der, turns } = await turnsDuring(() => writePkcs12(b, { password: 'x', profile: 'modern' }));
    expect((await readPkcs12(der, { password: 'x' })).integrity.iterations).toBe(600_000);
    // Not a timing: the loop got turns during the write (PBKDF2 on the thread pool, the MAC's KDF paced).
    expect(turns).toBeGreaterThan(10);
  });

  it('the empty password round-trips through our reader and openssl', async () => {
    const src = rows.get('openssl3-ec.p12')!;
    const der = await writePkcs12(await readPkcs12(readFileSync(src.file), { password: src.password }), { password: '', profile: 'compat' });
    expect((await readPkcs12(der)).leaf).toBe(src.leaf!.thumbprint);
    if (tools.openssl) {
      const path = join(dir, 'empty.p12');
      writeFileSync(path, der);
      expect(sh('openssl', ['pkcs12', '-in', path, '-passin', 'pass:', '-nodes', '-out', '/dev/null']).code).toBe(0);
    }
  });

  it('refuses bad options', async () => {
    const src = rows.get('openssl3-ec.p12')!;
    const b = await readPkcs12(readFileSync(src.file), { password: src.password });
    await expect(writePkcs12(b, { password: 'x', profile: 'weird' as WriteProfile })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writePkcs12(b, { password: 'x', iterations: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(writePkcs12({ certificates: [] }, { password: 'x' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('convertPkcs12 re-encodes keytool, NSS and legacy bundles as compat', async () => {
    for (const name of ['keytool-jdk17.p12', 'nss-legacy.p12', 'openssl3-legacy-unicode-password.p12', 'keytool-secret-key.p12']) {
      const src = rows.get(name)!;
      const { pkcs12, bundle } = await convertPkcs12(readFileSync(src.file), { password: src.password, newPassword: 'fresh' });
      expect(bundle.leaf).toBe(src.leaf!.thumbprint);
      expect((await readPkcs12(pkcs12, { password: 'fresh' })).parts.every((p) => p.cipher === '3DES-CBC')).toBe(true);
    }
  });
});

describe('createClientBundle (pfxkit new)', () => {
  it.each(['rsa-2048', 'ec-p256', 'ec-p384'] as const)('%s: a clean client certificate with no findings', async (key) => {
    const now = new Date('2027-03-01T12:00:00Z');
    const c = await createClientBundle({ subject: 'CN=b2c-connector, O=Contoso, C=US', now, days: 90, key, password: 'pw' });
    expect(c.certificate.subject).toBe('CN=b2c-connector, O=Contoso, C=US');
    expect(c.certificate.notAfter).toBe(Math.floor(now.getTime() / 1000) + 90 * 86_400);
    expect(c.certificate.notBefore).toBe(Math.floor(now.getTime() / 1000) - 300);
    const b = await readPkcs12(c.pkcs12, { password: 'pw' });
    expect(validateBundle(b, { now }).findings).toEqual([]);
    expect(c.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    if (tools.openssl) {
      const text = sh('openssl', ['x509', '-noout', '-text'], c.certificatePem).out;
      expect(text).toMatch(/TLS Web Client Authentication/);
      expect(text).toMatch(/Digital Signature/);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/sha(256|384)/i);
    }
  });

  it('refuses a bad subject, days or key', async () => {
    const now = new Date();
    await expect(createClientBundle({ subject: '', now, password: 'x' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(createClientBundle({ subject: 'CN=x', now, password: 'x', days: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(createClientBundle({ subject: 'CN=x', now, password: 'x', key: 'dsa' as never })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
