import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { root } from '../helpers.js';
import { describe, expect, it } from 'vitest';
import { DIGESTS, OID } from '../../src/pkcs12/oids.js';
import { bmpPassword, legacyOpensslPassword, pkcs12Kdf, pkcs12KdfPair, pkcs12KdfSync } from '../../src/pkcs12/kdf.js';
import { COMPACT, iterateHash, iterateHashPair, iterateHashSync, SLICE, UNROLLED, WARM_AFTER, tierFor } from '../../src/pkcs12/iterate.js';
import { hash, randomBytes } from 'node:crypto';
import { RC2_PITABLE, rc2CbcDecrypt, rc2CbcEncrypt, rc2DecryptBlock, rc2EncryptBlock, rc2ExpandKey, rc4 } from '../../src/pkcs12/rc2.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('RC2 (RFC 2268 section 5 test vectors)', () => {
  const vectors = [
    { key: '0000000000000000', bits: 63, plain: '0000000000000000', cipher: 'ebb773f993278eff' },
    { key: 'ffffffffffffffff', bits: 64, plain: 'ffffffffffffffff', cipher: '278b27e42e2f0d49' },
    { key: '3000000000000000', bits: 64, plain: '1000000000000001', cipher: '30649edf9be7d2c2' },
    { key: '88', bits: 64, plain: '0000000000000000', cipher: '61a8a244adacccf0' },
    { key: '88bca90e90875a', bits: 64, plain: '0000000000000000', cipher: '6ccf4308974c267f' },
    { key: '88bca90e90875a7f0f79c384627bafb2', bits: 64, plain: '0000000000000000', cipher: '1a807d272bbe5db1' },
    { key: '88bca90e90875a7f0f79c384627bafb2', bits: 128, plain: '0000000000000000', cipher: '2269552ab0f85ca6' },
    {
      key: '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e',
      bits: 129,
      plain: '0000000000000000',
      cipher: '5b78d3a43dfff1f1',
    },
  ];
  it.each(vectors)('key $key, $bits effective bits', ({ key, bits, plain, cipher }) => {
    const K = rc2ExpandKey(hex(key), bits);
    const block = hex(plain);
    rc2EncryptBlock(K, block);
    expect(toHex(block)).toBe(cipher);
    rc2DecryptBlock(K, block);
    expect(toHex(block)).toBe(plain);
  });

  it('PITABLE is a permutation of 0..255', () => {
    expect(new Set(RC2_PITABLE).size).toBe(256);
  });

  it('CBC round-trips and agrees with node-forge (an independent RC2)', () => {
    const key = hex('0102030405');
    const iv = hex('0011223344556677');
    const data = Uint8Array.from({ length: 64 }, (_, i) => i * 7);
    const ours = rc2CbcEncrypt(key, 40, iv, data);
    const cipher = forge.rc2.createEncryptionCipher(forge.util.createBuffer(Buffer.from(key).toString('binary')), 40);
    cipher.start(forge.util.createBuffer(Buffer.from(iv).toString('binary')));
    cipher.update(forge.util.createBuffer(Buffer.from(data).toString('binary')));
    cipher.finish(() => true); // no padding: the data is whole blocks
    expect(toHex(ours)).toBe(Buffer.from(cipher.output.getBytes(), 'binary').toString('hex'));
    expect(toHex(rc2CbcDecrypt(key, 40, iv, ours))).toBe(toHex(data));
  });

  it('refuses bad sizes', () => {
    expect(() => rc2ExpandKey(new Uint8Array(0), 64)).toThrow(RangeError);
    expect(() => rc2CbcDecrypt(hex('01'), 40, new Uint8Array(8), new Uint8Array(7))).toThrow(RangeError);
  });
});

describe('RC4 (RFC 6229)', () => {
  it('key 0102030405, first 16 bytes of keystream', () => {
    expect(toHex(rc4(hex('0102030405'), new Uint8Array(16)))).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });
});

describe('PKCS#12 KDF (RFC 7292 appendix B) against node-forge', () => {
  const cases = [
    { password: 'smeg', salt: '0a58cf64530d823f', id: 1, iter: 1, n: 24 },
    { password: 'smeg', salt: '0a58cf64530d823f', id: 2, iter: 1, n: 8 },
    { password: 'queeg', salt: '05dec959acff72f7', id: 1, iter: 1000, n: 24 },
    { password: '', salt: '0102030405060708', id: 3, iter: 2048, n: 20 },
    { password: 'a fairly long password that spans more than one 64-byte block of the KDF', salt: 'ff'.repeat(20), id: 1, iter: 3, n: 64 },
  ];
  it.each(cases)('"$password", id $id, $iter iterations, $n bytes', async ({ password, salt, id, iter, n }) => {
    const ours = await pkcs12Kdf(DIGESTS[OID.sha1]!, bmpPassword(password), hex(salt), id, iter, n);
    expect(toHex(pkcs12KdfSync(DIGESTS[OID.sha1]!, bmpPassword(password), hex(salt), id, iter, n))).toBe(toHex(ours));
    const theirs = forge.pkcs12.generateKey(password, forge.util.createBuffer(Buffer.from(salt, 'hex').toString('binary')), id, iter, n);
    expect(toHex(ours)).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
  });

  it('SHA-256 and SHA-512 (block sizes 64 and 128) against node-forge', async () => {
    for (const [oid, md] of [
      [OID.sha256, forge.md.sha256.create()],
      [OID.sha512, forge.md.sha512.create()],
    ] as const) {
      const ours = await pkcs12Kdf(DIGESTS[oid]!, bmpPassword('pw'), hex('0011223344556677'), 3, 5, DIGESTS[oid]!.u);
      const theirs = forge.pkcs12.generateKey('pw', forge.util.createBuffer(Buffer.from('0011223344556677', 'hex').toString('binary')), 3, 5, DIGESTS[oid]!.u, md);
      expect(toHex(ours)).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
    }
  });
});

describe('the iterated hash (our SHA-1/SHA-224/SHA-256 compression) against node:crypto', () => {
  const reference = (alg: string, first: Uint8Array, n: number): string => {
    let a = hash(alg, first, 'buffer') as unknown as Uint8Array;
    for (let i = 1; i < n; i++) a = hash(alg, a, 'buffer') as unknown as Uint8Array;
    return toHex(a);
  };
  it.each(['sha1', 'sha224', 'sha256', 'sha384', 'sha512'])('%s over 1, 2, 3, 64 and 1000 iterations', async (alg) => {
    for (const n of [1, 2, 3, 64, 1000]) {
      const first = randomBytes(1 + n % 200);
      expect(toHex(iterateHashSync(alg, first, n))).toBe(reference(alg, first, n));
      expect(toHex(await iterateHash(alg, first, n, async () => undefined))).toBe(reference(alg, first, n));
    }
  });
  it.each(['sha1', 'sha224', 'sha256'])('%s: the compact and the unrolled code give the same digests', (alg) => {
    for (const n of [1, 2, 5, 333]) {
      const start = hash(alg, randomBytes(40), 'buffer') as unknown as Uint8Array;
      const words = COMPACT[alg]!.words;
      const view = (b: Uint8Array) => Int32Array.from({ length: words }, (_, i) => Buffer.from(b).readInt32BE(4 * i));
      const x = view(start);
      const y = view(start);
      COMPACT[alg]!.run(x, n);
      UNROLLED[alg]!.run(y, n);
      let ref = start;
      for (let i = 0; i < n; i++) ref = hash(alg, ref, 'buffer') as unknown as Uint8Array;
      expect([...x]).toEqual([...view(ref)]);
      expect([...y]).toEqual([...view(ref)]);
    }
  });

  it('a one-off short derivation runs the compact code; a long one, or a warm process, the unrolled', () => {
    expect(tierFor(1_000_000)).toBe('unrolled');
    for (let i = 0; i < WARM_AFTER; i++) tierFor(10);
    expect(tierFor(10)).toBe('unrolled');
  });

  it('src/pkcs12/sha-unrolled.ts is what scripts/gen-sha.mjs generates', () => {
    const generated = execFileSync(process.execPath, [join(root, 'scripts', 'gen-sha.mjs')], { encoding: 'utf8' });
    expect(readFileSync(join(root, 'src', 'pkcs12', 'sha-unrolled.ts'), 'utf8')).toBe(generated);
  });

  it('yields between slices of a long derivation', async () => {
    let pauses = 0;
    const first = randomBytes(20);
    const out = await iterateHash('sha256', first, SLICE * 2 + 5, async () => {
      pauses++;
    });
    expect(pauses).toBe(2);
    expect(toHex(out)).toBe(toHex(iterateHashSync('sha256', first, SLICE * 2 + 5)));
  });
});

describe('two chains at once', () => {
  it('iterateHashPair equals two iterateHash calls (SHA-1 interleaved, others in turn)', async () => {
    for (const alg of ['sha1', 'sha256']) {
      for (const n of [1, 2, 777]) {
        const a = randomBytes(30);
        const b = randomBytes(70);
        const [x, y] = await iterateHashPair(alg, a, b, n, async () => undefined);
        expect([toHex(x), toHex(y)]).toEqual([toHex(await iterateHash(alg, a, n)), toHex(await iterateHash(alg, b, n))]);
      }
    }
  });
  it.each([
    ['3DES: a 24-byte key (two blocks) and an 8-byte IV', 24, 8],
    ['RC2-40: 5 and 8', 5, 8],
    ['RC4: no IV', 16, 0],
  ])('pkcs12KdfPair, %s', async (_n, keyLen, ivLen) => {
    const sha1 = DIGESTS[OID.sha1]!;
    const pw = bmpPassword('pässword');
    const salt = hex('0102030405060708');
    const [key, iv] = await pkcs12KdfPair(sha1, pw, salt, { id: 1, n: keyLen }, { id: 2, n: ivLen }, 1000);
    expect(toHex(key)).toBe(toHex(pkcs12KdfSync(sha1, pw, salt, 1, 1000, keyLen)));
    expect(toHex(iv)).toBe(toHex(pkcs12KdfSync(sha1, pw, salt, 2, 1000, ivLen)));
  });
});

describe('password encodings', () => {
  it('BMPString with terminator; absent is zero bytes; empty is 00 00', () => {
    expect(toHex(bmpPassword('ab'))).toBe('006100620000');
    expect(toHex(bmpPassword(undefined))).toBe('');
    expect(toHex(bmpPassword(''))).toBe('0000');
  });
  it('characters outside the BMP become surrogate pairs', () => {
    expect(toHex(bmpPassword('𝄞'))).toBe('d834dd1e0000');
  });
  it('pre-1.1 OpenSSL widened each UTF-8 byte', () => {
    expect(toHex(legacyOpensslPassword('é'))).toBe('00c300a90000');
  });
});
