/**
 * Bounded work: one budget across all parts and password candidates (refused before the work),
 * hostile certificate counts, and reads that share the event loop (lib/pace.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PfxkitError, readPkcs12, writePkcs12, type Pkcs12Bundle } from '../../src/index.js';
import { COMPACT, stepUnits } from '../../src/pkcs12/iterate.js';
import { certSafe, macData, pbeSafe, pbes2Safe, pfx } from '../../bench/hostile-files.js';
import { workOf } from '../../src/pkcs12/kdf.js';
import { readWithin } from '../../src/pkcs12/read.js';
import { DEFAULT_WORK_BUDGET, workBudget } from '../../src/pkcs12/limits.js';
import { DIGESTS, OID } from '../../src/pkcs12/oids.js';
import { TURN_UNITS, pace } from '../../src/lib/pace.js';
import { manifest, turnsDuring } from '../helpers.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const fixture = (name: string): Buffer => readFileSync(rows.get(name)!.file);
const errorOf = (p: Promise<unknown>): Promise<PfxkitError> =>
  p.then(
    () => {
      throw new Error('expected a PfxkitError');
    },
    (e: unknown) => e as PfxkitError,
  );

describe('one work budget for the whole read', () => {
  it('the default is 6,000,000 units; a larger maxIterations raises it, a smaller one does not lower it', () => {
    expect(DEFAULT_WORK_BUDGET).toBe(6_000_000);
    expect(workBudget(undefined)).toBe(DEFAULT_WORK_BUDGET);
    expect(workBudget(10_000_000)).toBe(10_000_000);
    expect(workBudget(2048)).toBe(DEFAULT_WORK_BUDGET);
    expect(workBudget(40_000_000)).toBe(40_000_000);
  });

  it('weighs work by algorithm and output blocks', () => {
    const salt = new Uint8Array(8);
    const password = new Uint8Array(0);
    const pbkdf2 = (digest: string, keyLength: number): number => workOf({ kind: 'pbkdf2', digest, password, salt, iterations: 1_000_000, keyLength });
    expect(pbkdf2('sha256', 32)).toBe(1_000_000);
    expect(pbkdf2('sha512', 32)).toBe(2_100_000);
    // A PBMAC1 key of 1,024 bytes is 52 SHA-1 blocks: 52 times the work of one.
    expect(pbkdf2('sha1', 1024)).toBe(52 * pbkdf2('sha1', 20));
    const sha1 = DIGESTS[OID.sha1]!;
    const mac = workOf({ kind: 'pkcs12', h: sha1, password, salt, id: 3, iterations: 1_000_000, n: 20 });
    expect(workOf({ kind: 'pkcs12', h: sha1, password, salt, id: 1, iterations: 1_000_000, n: 24 })).toBe(2 * mac);
    expect(workOf({ kind: 'pbkdf1', hash: 'md5', password, salt, iterations: 1_000_000, n: 16 })).toBeGreaterThan(20 * mac);
  });

  it('four PBKDF2-HMAC-SHA512 parts at 10,000,000 iterations, each within the limit: ITERATIONS_LIMIT before any work', async () => {
    const file = pfx([1, 2, 3, 4].map(() => pbes2Safe('sha512', 10_000_000)));
    const { result: err, turns } = await turnsDuring(() => errorOf(readPkcs12(file)));
    expect(err.code).toBe('ITERATIONS_LIMIT');
    expect(err.message).toMatch(/84,000,000 units .* over the budget of 6,000,000/);
    // Refused at once: no derivation ran (it would take many turns of paced work).
    expect(turns).toBeLessThanOrEqual(2);
  });

  it('a 10,000,000-iteration SHA-512 MAC is over the budget even once (both password candidates would be twice that)', async () => {
    const err = await errorOf(readPkcs12(pfx([pbeSafe(1)], macData('sha512', 10_000_000))));
    expect(err.code).toBe('ITERATIONS_LIMIT');
  });

  it('the second password candidate counts: a MAC that fits once but not twice is refused before the second try', async () => {
    const iterations = 20_000;
    const file = pfx([pbeSafe(10)], macData('sha1', iterations));
    const one = workOf({ kind: 'pkcs12', h: DIGESTS[OID.sha1]!, password: new Uint8Array(0), salt: new Uint8Array(8), id: 3, iterations, n: 20 });
    const limits = (workBudget: number): { maxIterations: number; workBudget: number } => ({ maxIterations: iterations, workBudget });
    expect((await errorOf(readWithin(file, undefined, limits(Math.ceil(one * 1.5))))).code).toBe('ITERATIONS_LIMIT');
    // With room for both, the verdict is the honest one: the filler MAC never matches.
    expect((await errorOf(readWithin(file, undefined, limits(2 * one + 10)))).code).toBe('BAD_PASSWORD');
  });
});

describe('work weights', () => {
  it('a chain step costs by digest and by the kernels that run it', () => {
    expect(stepUnits('sha1')).toBe(0.3);
    expect(stepUnits('sha512')).toBe(1.2);
    expect(stepUnits('sha512-224')).toBe(6.7); // node:crypto a step
    expect(stepUnits('sha1', COMPACT)).toBe(100); // no WebAssembly (node --jitless)
    expect(stepUnits('sha512-224', COMPACT)).toBe(13.4);
  });
});

describe('decryption in chunks', () => {
  it('a certificate safe over 256 KiB decrypts the same in 3DES and AES (each chunk chained on the last block)', async () => {
    const certs = (await readPkcs12(fixture('openssl3-certs-only.p12'), { password: rows.get('openssl3-certs-only.p12')!.password })) as Pkcs12Bundle & {
      certificateDer: Uint8Array[];
    };
    const many = Array.from({ length: 400 }, () => certs.certificateDer[0]!);
    for (const profile of ['compat', 'modern'] as const) {
      const file = await writePkcs12({ certificates: many }, { password: 'pw', profile, iterations: 1000 });
      expect(file.length).toBeGreaterThan(300 * 1024);
      const back = await readPkcs12(file, { password: 'pw' });
      expect(back.certificates).toHaveLength(400);
    }
  });
});

describe('hostile certificate counts', () => {
  it('4,000 copies of one self-signed certificate read in order, every copy kept', async () => {
    const certs = (await readPkcs12(fixture('openssl3-certs-only.p12'), { password: rows.get('openssl3-certs-only.p12')!.password })) as Pkcs12Bundle & {
      certificateDer: Uint8Array[];
    };
    const bundle = await readPkcs12(pfx([certSafe(certs.certificateDer[0]!, 4000)]));
    expect(bundle.certificates).toHaveLength(4000);
    expect(new Set(bundle.certificates.map((c) => c.thumbprint)).size).toBe(1);
  });
});

describe('reads share the event loop (lib/pace.ts)', () => {
  it('200 concurrent reads are spread over many turns, with timers firing between them (not one long turn)', async () => {
    const file = fixture('openssl3-legacy.p12');
    const password = rows.get('openssl3-legacy.p12')!.password!;
    let timers = 0;
    const timer = setInterval(() => timers++, 1);
    const { turns } = await turnsDuring(() => Promise.all(Array.from({ length: 200 }, () => readPkcs12(file, { password }))));
    clearInterval(timer);
    // Each read declares about 6,000 units and a turn takes 40,000: some 30 turns, a timer in each.
    expect(turns).toBeGreaterThanOrEqual(20);
    expect(timers).toBeGreaterThanOrEqual(10);
  });

  it('pace: work that fits goes on at once; the rest waits for later turns, first come first served', async () => {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r)); // a fresh turn: the pacer's count is reset
    expect(pace(TURN_UNITS / 2)).toBeUndefined();
    const order: string[] = [];
    const a = pace(TURN_UNITS)!;
    const b = pace(1)!;
    expect(a).toBeInstanceOf(Promise);
    expect(b).toBeInstanceOf(Promise);
    await Promise.all([a.then(() => order.push('a')), b.then(() => order.push('b'))]);
    expect(order).toEqual(['a', 'b']);
  });
});
