import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPkcs12, validateBundle, type FindingCode, type ValidationResult } from '../../src/index.js';
import { manifest } from '../helpers.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const DAY = 86_400_000;

async function validate(file: string, now: (leaf: { notBefore: number; notAfter: number }) => Date, minDays?: number): Promise<ValidationResult> {
  const row = rows.get(file)!;
  const bundle = await readPkcs12(readFileSync(row.file), { password: row.password });
  const leaf = bundle.certificates[0] ?? { notBefore: 0, notAfter: 0 };
  return validateBundle(bundle, { now: now(leaf), minDays });
}

/** A moment well inside the leaf's validity (a day after notBefore). */
const inside = (c: { notBefore: number }): Date => new Date(c.notBefore * 1000 + DAY);

const cases: { name: string; file: string; now?: (c: { notBefore: number; notAfter: number }) => Date; errors: FindingCode[]; has?: FindingCode[]; lacks?: FindingCode[] }[] = [
  { name: 'expired', file: 'openssl3-expired.p12', now: () => new Date('2026-01-01T00:00:00Z'), errors: ['EXPIRED'] },
  { name: 'not yet valid', file: 'openssl3-boundary-2050.p12', now: () => new Date('2030-01-01T00:00:00Z'), errors: ['NOT_YET_VALID'] },
  { name: 'expiring in 14 days', file: 'openssl3-ec.p12', now: (c) => new Date(c.notAfter * 1000 - 14 * DAY), errors: [], has: ['EXPIRES_SOON'] },
  { name: 'no key', file: 'openssl3-certs-only.p12', errors: ['NO_PRIVATE_KEY'] },
  { name: 'key only', file: 'openssl3-key-only.p12', errors: ['NO_CERTIFICATE', 'NO_PRIVATE_KEY'].slice(0, 1) as FindingCode[] },
  { name: 'mismatched key', file: 'forge-mismatched-key.p12', errors: ['KEY_MISMATCH'] },
  { name: 'two identities', file: 'keytool-two-identities.p12', errors: ['MULTIPLE_KEYS'] },
  { name: 'RSA-1024', file: 'openssl3-rsa1024.p12', errors: [], has: ['WEAK_KEY'] },
  { name: 'SHA-1 signature', file: 'openssl3-sha1-signature.p12', errors: [], has: ['WEAK_SIGNATURE'] },
  { name: 'no MAC', file: 'openssl3-nomac.p12', errors: [], has: ['NO_INTEGRITY'], lacks: ['KEY_UNENCRYPTED'] },
  { name: 'key in a plain keyBag (-keypbe NONE)', file: 'openssl3-noenc.p12', errors: [], has: ['KEY_UNENCRYPTED'] },
  { name: 'no encryption, no MAC', file: 'openssl3-noenc-nomac.p12', errors: [], has: ['KEY_UNENCRYPTED', 'NO_INTEGRITY'] },
  { name: 'node-forge with a null password', file: 'forge-null-password.p12', errors: [], has: ['KEY_UNENCRYPTED'] },
  { name: 'no EKU', file: 'openssl3-no-eku.p12', errors: [], has: ['NO_CLIENT_AUTH_EKU'] },
  { name: 'serverAuth only, keyEncipherment only', file: 'openssl3-server-eku.p12', errors: [], has: ['NO_CLIENT_AUTH_EKU', 'KEY_USAGE'] },
  { name: 'a CA as the client certificate, 10 years', file: 'openssl3-ca-as-leaf.p12', errors: [], has: ['CA_CERTIFICATE', 'LONG_VALIDITY'] },
  { name: 'OpenSSL 3 default is AES', file: 'openssl3-default.p12', errors: [], has: ['ENCRYPTION_COMPAT'], lacks: ['NO_CLIENT_AUTH_EKU', 'WEAK_KEY', 'EXPIRES_SOON', 'KEY_UNENCRYPTED'] },
  { name: 'legacy 3DES/RC2-40 is what B2C takes', file: 'openssl3-legacy.p12', errors: [], lacks: ['ENCRYPTION_COMPAT', 'WEAK_ENCRYPTION'] },
  { name: 'RC4-40 key', file: 'openssl3-pbe-sha1-rc4-40.p12', errors: [], has: ['WEAK_ENCRYPTION'] },
  { name: 'chain with intermediates', file: 'openssl3-chain.p12', errors: [], lacks: ['CHAIN_INCOMPLETE'] },
];

describe('validateBundle: findings at a fixed now', () => {
  it.each(cases)('$name ($file)', async ({ file, now, errors, has, lacks }) => {
    const r = await validate(file, now ?? inside);
    const codes = r.findings.map((x) => x.code);
    expect(r.findings.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(errors);
    expect(r.ok).toBe(errors.length === 0);
    for (const c of has ?? []) expect(codes).toContain(c);
    for (const c of lacks ?? []) expect(codes).not.toContain(c);
    for (const x of r.findings) {
      expect(['error', 'warning', 'info']).toContain(x.severity);
      expect(x.message.length).toBeGreaterThan(20);
    }
  });

  it('a good bundle is ok with no error and its leaf', async () => {
    const r = await validate('openssl3-legacy.p12', inside);
    expect(r.ok).toBe(true);
    expect(r.leaf?.thumbprint).toBe(rows.get('openssl3-legacy.p12')!.leaf!.thumbprint);
  });

  it('EXPIRES_SOON follows minDays', async () => {
    const at = (c: { notAfter: number }): Date => new Date(c.notAfter * 1000 - 20 * DAY);
    expect((await validate('openssl3-ec.p12', at, 30)).findings.map((x) => x.code)).toContain('EXPIRES_SOON');
    expect((await validate('openssl3-ec.p12', at, 10)).findings.map((x) => x.code)).not.toContain('EXPIRES_SOON');
  });

  it('the boundary: expired at notAfter exactly, valid one second before', async () => {
    const at = (d: number) => (c: { notAfter: number }) => new Date((c.notAfter + d) * 1000);
    expect((await validate('openssl3-ec.p12', at(0))).findings.map((x) => x.code)).toContain('EXPIRED');
    expect((await validate('openssl3-ec.p12', at(-1))).findings.map((x) => x.code)).not.toContain('EXPIRED');
  });

  it('rejects a bad now or minDays', async () => {
    const row = rows.get('openssl3-ec.p12')!;
    const bundle = await readPkcs12(readFileSync(row.file), { password: row.password });
    expect(() => validateBundle(bundle, { now: new Date('nope') })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => validateBundle(bundle, { minDays: -1 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
