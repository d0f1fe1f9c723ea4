import { execFileSync } from 'node:child_process';
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { limitsOf } from '../../src/pkcs12/limits.js';
import { describe, expect, it } from 'vitest';
import { type PfxkitError, readPkcs12 } from '../../src/index.js';
import * as der from '../../src/lib/der.js';
import * as w from '../../src/lib/derw.js';
import { cast5CbcDecrypt, cast5CbcEncrypt, cast5DecryptBlock, cast5EncryptBlock, cast5ExpandKey } from '../../src/pkcs12/cast5.js';
import { OID } from '../../src/pkcs12/oids.js';
import { parsePbe } from '../../src/pkcs12/pbe.js';
import { manifest } from '../helpers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const limits = { maxIterations: 10_000_000 };
const fixture = (name: string): Uint8Array => readFileSync(manifest().find((r) => r.name === name)!.file);
const errorOf = async (p: Promise<unknown>): Promise<PfxkitError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as PfxkitError,
  );

describe('CAST5 (RFC 2144 appendix B.1 test vectors)', () => {
  it.each([
    ['128-bit key', '0123456712345678234567893456789a', '238b4fe5847e44b2'],
    ['80-bit key', '01234567123456782345', 'eb6a711a2c02271b'],
    ['40-bit key', '0123456712', '7ac816d16e9b302e'],
  ])('%s', (_n, key, cipher) => {
    const k = cast5ExpandKey(hex(key));
    const block = hex('0123456789abcdef');
    cast5EncryptBlock(k, block);
    expect(toHex(block)).toBe(cipher);
    cast5DecryptBlock(k, block);
    expect(toHex(block)).toBe('0123456789abcdef');
  });

  it('refuses keys outside 40 to 128 bits', () => {
    expect(() => cast5ExpandKey(new Uint8Array(4))).toThrow(RangeError);
    expect(() => cast5ExpandKey(new Uint8Array(17))).toThrow(RangeError);
  });

  // openssl enc takes only CAST5's default 128-bit key; the shorter ones are B.1's vectors above.
  it.each([1, 2, 3])('CBC agrees with openssl enc -cast5-cbc (legacy provider), random key and data %i', () => {
    const key = randomBytes(16);
    const iv = randomBytes(8);
    const plain = randomBytes(64);
    const args = ['enc', '-cast5-cbc', '-provider', 'legacy', '-provider', 'default', '-nopad', '-nosalt', '-K', key.toString('hex'), '-iv', iv.toString('hex')];
    const out = execFileSync('openssl', args, { input: plain });
    expect(toHex(cast5CbcEncrypt(key, iv, plain))).toBe(out.toString('hex'));
    expect(toHex(cast5CbcDecrypt(key, iv, new Uint8Array(out)))).toBe(plain.toString('hex'));
  });
});

/** A PBES2 AlgorithmIdentifier, parsed as the reader parses one. */
const pbes2 = (kdf: w.Enc, cipher: w.Enc, max = limits.maxIterations) => parsePbe(der.decode(w.encode(w.algorithm(OID.pbes2, w.seq(kdf, cipher))), 'test').node, 'test', limitsOf(max));
const scrypt = (N: number, r: number, p: number) => w.algorithm(OID.scrypt, w.seq(w.octets(new Uint8Array(16)), w.int(N), w.int(r), w.int(p)));
const aes256 = w.algorithm(OID.aes256CBC, w.octets(new Uint8Array(16)));

describe('scrypt inside PBES2 (RFC 7914)', () => {
  it('counts N·r·p against the iteration limit before any work', () => {
    expect(pbes2(scrypt(16384, 8, 1), aes256).iterations).toBe(131072);
    const err = (() => {
      try {
        pbes2(scrypt(1 << 20, 8, 2), aes256);
        return null;
      } catch (e) {
        return e as PfxkitError;
      }
    })();
    expect(err?.code).toBe('ITERATIONS_LIMIT');
    expect(err?.message).toContain('scrypt cost N·r·p = 16777216');
  });

  it('refuses an N that is not a power of 2 (MALFORMED), and memory over the cap (ITERATIONS_LIMIT)', () => {
    expect(() => pbes2(scrypt(1000, 8, 1), aes256)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    // Within the cost limit, over the memory cap (N·r·p = 8,388,608 but 1 GiB of memory).
    expect(() => pbes2(scrypt(1 << 20, 8, 1), aes256)).toThrow(expect.objectContaining({ code: 'ITERATIONS_LIMIT', message: expect.stringMatching(/needs 1024 MiB of memory, over the 256 MiB cap/) }));
    expect(pbes2(scrypt(1 << 18, 8, 1), aes256).iterations).toBe(1 << 21);
  });

  it('reads the Bouncy Castle file, and refuses it under a lower limit with ITERATIONS_LIMIT', async () => {
    const file = fixture('bc-scrypt-aes256');
    const b = await readPkcs12(file, { password: 'Str0ng-pass!' });
    expect(b.encryption[0]).toBe('safe: AES-256-CBC (PBES2, scrypt, N=16384 r=8 p=1)');
    expect((await errorOf(readPkcs12(file, { password: 'Str0ng-pass!', maxIterations: 100_000 }))).code).toBe('ITERATIONS_LIMIT');
  });

  it('says BAD_PASSWORD for a wrong password', async () => {
    expect((await errorOf(readPkcs12(fixture('bc-scrypt-aes256'), { password: 'wrong' }))).code).toBe('BAD_PASSWORD');
  });
});

describe('PBES2 algorithms named in the results and refusals', () => {
  it.each([
    ['openssl3-pbes2-camellia-256-cbc', 'Camellia-256-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)'],
    ['openssl3-pbes2-aria-192-cbc', 'ARIA-192-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)'],
    ['openssl3-pbes2-sm4-cbc', 'SM4-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)'],
    ['openssl3-pbes2-cast5-cbc', 'CAST5-CBC (PBES2, PBKDF2-HMAC-SHA256, 2048 iterations)'],
    ['bc-pbkdf2-hmac-sha3-512', 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA3-512, 2048 iterations)'],
  ])('%s', async (name, description) => {
    const b = await readPkcs12(fixture(name), { password: 'Str0ng-pass!' });
    expect(b.encryption).toContain(`safe: ${description}`);
  });

  it.each([
    ['openssl3-mac-sha3-256', 'sha3-256'],
    ['openssl3-mac-sm3', 'sm3'],
  ])('%s: the MAC digest', async (name, digest) => {
    expect((await readPkcs12(fixture(name), { password: 'Str0ng-pass!' })).integrity.digest).toBe(digest);
  });

  it('refuses AES-256-GCM inside PBES2 (Bouncy Castle) naming it', async () => {
    const err = await errorOf(readPkcs12(fixture('bc-pbes2-aes256-gcm'), { password: 'Str0ng-pass!' }));
    expect(err.code).toBe('UNSUPPORTED_ALGORITHM');
    expect(err.message).toContain('AES-256-GCM (2.16.840.1.101.3.4.1.46)');
  });

  it('an unknown PBES2 cipher is refused with its OID', () => {
    expect(() => pbes2(w.algorithm(OID.pbkdf2, w.seq(w.octets(new Uint8Array(8)), w.int(1))), w.algorithm('1.2.3.4', w.octets(new Uint8Array(16))))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM', message: expect.stringContaining('1.2.3.4') }),
    );
  });

  it('PBKDF2 with HMAC-SM3 as its PRF (no producer here writes one: checked against node:crypto)', async () => {
    const salt = randomBytes(8);
    const iv = randomBytes(16);
    const key = pbkdf2Sync('pw', salt, 1000, 32, 'sm3');
    const c = createCipheriv('aes-256-cbc', key, iv);
    const data = Buffer.concat([c.update(Buffer.from('30030201 00'.replace(' ', ''), 'hex')), c.final()]);
    const kdf = w.algorithm(OID.pbkdf2, w.seq(w.octets(salt), w.int(1000), w.algorithm(OID.hmacWithSM3, w.nul())));
    const scheme = pbes2(kdf, w.algorithm(OID.aes256CBC, w.octets(iv)));
    expect(scheme.description).toBe('AES-256-CBC (PBES2, PBKDF2-HMAC-SM3, 1000 iterations)');
    expect(toHex((await scheme.decrypt(new TextEncoder().encode('pw'), data))!)).toBe('3003020100');
  });
});
