import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { root } from '../helpers.js';
import { describe, expect, it } from 'vitest';
import { DIGESTS, OID } from '../../src/pkcs12/oids.js';
import { ASYNC_PBKDF2_FROM, deriveKeys, type KdfRequest } from '../../src/pkcs12/kdf.js';
import { bmpPassword, legacyOpensslPassword, passwordCandidates, utf8Password } from '../../src/pkcs12/passwords.js';
import { COMPACT, SLICE, kernels, runChains, stepUnits, type Chain, type Kernels, type Pause } from '../../src/pkcs12/iterate.js';
import { hash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
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

  it.each([
    ['RC2-40 (PKCS#12 PBE)', '0102030405', 40],
    ['RC2-64 (PBES1)', '0102030405060708', 64],
    ['RC2-128 (PKCS#12 PBE, PBES2)', '000102030405060708090a0b0c0d0e0f', 128],
  ])('%s: CBC round-trips and agrees with node-forge (an independent RC2)', (_name, keyHex, bits) => {
    const key = hex(keyHex);
    const iv = hex('0011223344556677');
    const data = Uint8Array.from({ length: 1296 }, (_, i) => (i * 7) ^ (i >> 8));
    const ours = rc2CbcEncrypt(key, bits, iv, data);
    const cipher = forge.rc2.createEncryptionCipher(forge.util.createBuffer(Buffer.from(key).toString('binary')), bits);
    cipher.start(forge.util.createBuffer(Buffer.from(iv).toString('binary')));
    cipher.update(forge.util.createBuffer(Buffer.from(data).toString('binary')));
    cipher.finish(() => true); // no padding: the data is whole blocks
    expect(toHex(ours)).toBe(Buffer.from(cipher.output.getBytes(), 'binary').toString('hex'));
    expect(toHex(rc2CbcDecrypt(key, bits, iv, ours))).toBe(toHex(data));
    // The CBC loop and the block function (checked on RFC 2268's vectors) agree block by block.
    const block = ours.slice(8, 16);
    rc2DecryptBlock(rc2ExpandKey(key, bits), block);
    expect(toHex(block.map((x, i) => x ^ ours[i]!))).toBe(toHex(data.subarray(8, 16)));
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
    const [ours] = await deriveKeys([{ kind: 'pkcs12', h: DIGESTS[OID.sha1]!, password: bmpPassword(password), salt: hex(salt), id, iterations: iter, n }]);
    const theirs = forge.pkcs12.generateKey(password, forge.util.createBuffer(Buffer.from(salt, 'hex').toString('binary')), id, iter, n);
    expect(toHex(ours!)).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
  });

  it('SHA-256 and SHA-512 (block sizes 64 and 128) against node-forge', async () => {
    for (const [oid, md] of [
      [OID.sha256, forge.md.sha256.create()],
      [OID.sha512, forge.md.sha512.create()],
    ] as const) {
      const [ours] = await deriveKeys([{ kind: 'pkcs12', h: DIGESTS[oid]!, password: bmpPassword('pw'), salt: hex('0011223344556677'), id: 3, iterations: 5, n: DIGESTS[oid]!.u }]);
      const theirs = forge.pkcs12.generateKey('pw', forge.util.createBuffer(Buffer.from('0011223344556677', 'hex').toString('binary')), 3, 5, DIGESTS[oid]!.u, md);
      expect(toHex(ours!)).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
    }
  });
});

/** One chain: H^iterations over `input`. */
async function iterateHash(alg: string, input: Uint8Array, iterations: number, pause?: Pause, using?: Kernels): Promise<Uint8Array> {
  let out: Uint8Array | null = null;
  await runChains(alg, [{ input, iterations, done: (d) => ((out = d), null) }], pause, using);
  return out!;
}

describe('the iterated hash (our SHA-1 and SHA-2 kernels) against node:crypto', () => {
  const reference = (alg: string, first: Uint8Array, n: number): string => {
    let a = hash(alg, first, 'buffer') as unknown as Uint8Array;
    for (let i = 1; i < n; i++) a = hash(alg, a, 'buffer') as unknown as Uint8Array;
    return toHex(a);
  };
  const KERNELS = [
    ['WebAssembly', kernels()],
    ['compact JavaScript', COMPACT],
  ] as const;

  it.each(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha512-256'])('%s over 1, 2, 3, 64 and 1000 iterations, on each set of kernels', async (alg) => {
    for (const [, using] of KERNELS) {
      for (const n of [1, 2, 3, 64, 1000]) {
        const first = randomBytes(1 + (n % 200));
        expect(toHex(await iterateHash(alg, first, n, async () => undefined, using))).toBe(reference(alg, first, n));
      }
    }
  });

  it.each(KERNELS)('%s: many chains of uneven lengths, some handing on a next chain, each as if alone', async (_name, using) => {
    for (const alg of ['sha1', 'sha256', 'sha512']) {
      const lengths = [1, 2, 5, 999, 1000, 2047, 3001, 17];
      const got: string[] = new Array(lengths.length + 3);
      const inputs = lengths.map(() => randomBytes(64));
      // Chains 0..2 hand on one more chain each, over their digest, of 300 iterations.
      const chains: Chain[] = lengths.map((iterations, i) => ({
        input: inputs[i]!,
        iterations,
        done: (d) => {
          got[i] = toHex(d);
          return i < 3 ? { input: d, iterations: 300, done: (e) => ((got[lengths.length + i] = toHex(e)), null) } : null;
        },
      }));
      await runChains(alg, chains, () => undefined, using);
      const want = lengths.map((n, i) => reference(alg, inputs[i]!, n));
      for (let i = 0; i < 3; i++) want.push(reference(alg, hex(want[i]!), 300));
      expect(got).toEqual(want);
    }
  });

  it('src/pkcs12/sha-wasm.ts is what scripts/gen-sha.mjs generates', () => {
    const generated = execFileSync(process.execPath, [join(root, 'scripts', 'gen-sha.mjs')], { encoding: 'utf8' });
    expect(readFileSync(join(root, 'src', 'pkcs12', 'sha-wasm.ts'), 'utf8')).toBe(generated);
  });

  it('declares each slice of a long derivation before running it, none over 10,000 units, one chain or several', async () => {
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    for (const [alg, iterations] of [
      ['sha256', SLICE * 2 + 5],
      ['sha1', SLICE * 2 + 5],
      ['sha512-256', 5_005],
    ] as const) {
      const declared: number[] = [];
      const first = randomBytes(20);
      const out = await iterateHash(alg, first, iterations, (units) => void declared.push(units));
      expect(declared.length).toBeGreaterThan(1);
      expect(Math.max(...declared)).toBeLessThanOrEqual(10_000);
      expect(sum(declared)).toBeCloseTo((iterations - 1) * stepUnits(alg), 3);
      expect(toHex(out)).toBe(reference(alg, first, iterations));
    }
    const declared: number[] = [];
    const chains = [0, 1, 2, 3].map(() => ({ input: randomBytes(20), iterations: SLICE + 10, done: () => null }));
    await runChains('sha1', chains, (units) => void declared.push(units));
    expect(Math.max(...declared)).toBeLessThanOrEqual(10_000);
    expect(declared.length).toBeGreaterThan(1);
  });
});

describe('the one KDF entry point (deriveKeys)', () => {
  const sha1 = DIGESTS[OID.sha1]!;
  const pw = bmpPassword('pässword');
  const utf8 = Buffer.from('pässword');
  const salt = hex('0102030405060708');
  const pbkdf1 = (alg: string, n: number, iterations: number): Uint8Array => {
    let t = hash(alg, Buffer.concat([utf8, salt]), 'buffer') as unknown as Uint8Array;
    for (let i = 1; i < iterations; i++) t = hash(alg, t, 'buffer') as unknown as Uint8Array;
    return t.subarray(0, n);
  };
  const batch: KdfRequest[] = [
    { kind: 'pkcs12', h: sha1, password: pw, salt, id: 1, iterations: 1000, n: 24 }, // 3DES key: two blocks
    { kind: 'pkcs12', h: sha1, password: pw, salt, id: 2, iterations: 1000, n: 8 },
    { kind: 'pkcs12', h: sha1, password: pw, salt: hex('ff'.repeat(20)), id: 1, iterations: 2048, n: 5 }, // RC2-40
    { kind: 'pkcs12', h: sha1, password: pw, salt, id: 2, iterations: 7, n: 0 }, // RC4: no IV
    { kind: 'pkcs12', h: DIGESTS[OID.sha256]!, password: pw, salt, id: 3, iterations: 2048, n: 32 },
    { kind: 'pbkdf1', hash: 'sha1', password: utf8, salt, iterations: 1000, n: 16 },
    { kind: 'pbkdf1', hash: 'md5', password: utf8, salt, iterations: 1000, n: 16 },
    { kind: 'pbkdf2', digest: 'sha256', password: utf8, salt, iterations: 2048, keyLength: 32 },
    { kind: 'pbkdf2', digest: 'sha512', password: utf8, salt, iterations: ASYNC_PBKDF2_FROM, keyLength: 32 }, // on the thread pool
  ];
  const forgeKdf = (r: KdfRequest & { kind: 'pkcs12' }): Uint8Array => {
    const md = r.h.node === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
    const key = forge.pkcs12.generateKey('pässword', forge.util.createBuffer(Buffer.from(r.salt).toString('binary')), r.id, r.iterations, r.n, md);
    return Buffer.from(key.getBytes(), 'binary');
  };
  const alone = (r: KdfRequest): string =>
    toHex(
      r.kind === 'pkcs12'
        ? forgeKdf(r)
        : r.kind === 'pbkdf1'
          ? pbkdf1(r.hash, r.n, r.iterations)
          : r.kind === 'pbkdf2'
            ? pbkdf2Sync(r.password, r.salt, r.iterations, r.keyLength, r.digest)
            : scryptSync(r.password, r.salt, r.keyLength, { N: r.N, r: r.r, p: r.p, maxmem: 256 * 1024 * 1024 }),
    );

  it('derives each key of a mixed batch as if it were derived alone (PKCS#12 KDF: node-forge; PBKDF1, PBKDF2: node:crypto)', async () => {
    const want = batch.map(alone);
    expect((await deriveKeys(batch, () => undefined)).map(toHex)).toEqual(want);
    // The default pacer (lib/pace.ts) gives the same keys.
    expect((await deriveKeys(batch)).map(toHex)).toEqual(want);
  });

  it('scrypt on the thread pool (RFC 7914 section 12, second vector)', async () => {
    const [key] = await deriveKeys([{ kind: 'scrypt', password: utf8Password('password'), salt: new TextEncoder().encode('NaCl'), N: 1024, r: 8, p: 16, keyLength: 64 }]);
    expect(toHex(key!)).toBe('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640');
  });

  it('a failed derivation rejects, with no other left unobserved', async () => {
    const bad: KdfRequest = { kind: 'pbkdf2', digest: 'no-such-digest', password: utf8, salt, iterations: ASYNC_PBKDF2_FROM, keyLength: 32 };
    await expect(deriveKeys([batch[0]!, bad])).rejects.toThrow();
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
  it('candidates: absent and empty both tried (the given one first), the pre-1.1 form after a non-ASCII password, UTF-8 once', () => {
    expect(passwordCandidates(undefined, 'bmp').map(toHex)).toEqual(['', '0000']);
    expect(passwordCandidates('', 'bmp').map(toHex)).toEqual(['0000', '']);
    expect(passwordCandidates('ab', 'bmp').map(toHex)).toEqual(['006100620000']);
    expect(passwordCandidates('é', 'bmp').map(toHex)).toEqual(['00e90000', '00c300a90000']);
    expect(passwordCandidates(undefined, 'utf8').map(toHex)).toEqual(['']);
    expect(passwordCandidates('é', 'utf8').map(toHex)).toEqual(['c3a9']);
  });
});
