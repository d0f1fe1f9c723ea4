/**
 * Key derivation, behind one function ({@link deriveKeys}, as go-pkcs12's pbkdf.go): the PKCS#12
 * KDF (RFC 7292 appendix B.2), PBKDF1 and PBKDF2 (RFC 8018) and scrypt (RFC 7914). Callers
 * describe the keys they need as requests and get the bytes back; how the work is done (hash
 * chains in WebAssembly, see iterate.ts; PBKDF2 and scrypt on libuv's thread pool; slices paced
 * on the event loop, see lib/pace.ts) is this file's business alone.
 */
import { pbkdf2 as pbkdf2Cb, pbkdf2Sync, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { pace } from '../lib/pace.js';
import type { HashInfo } from './oids.js';
import { runChains, stepUnits, type Chain, type Pause } from './iterate.js';

export type { Pause };

/** Purpose bytes of appendix B.3. */
export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const;

/** `n` bytes from the PKCS#12 KDF (RFC 7292 appendix B.2); the password already encoded (passwords.ts's bmpPassword). */
export interface Pkcs12KdfRequest {
  readonly kind: 'pkcs12';
  readonly h: HashInfo;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly id: number;
  readonly iterations: number;
  readonly n: number;
}

/** PBKDF1 (RFC 8018 section 5.1): the first `n` bytes of H^iterations(password || salt). */
export interface Pbkdf1Request {
  readonly kind: 'pbkdf1';
  readonly hash: string;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly n: number;
}

/** PBKDF2 (RFC 8018 section 5.2) with HMAC over `digest`, native. */
export interface Pbkdf2Request {
  readonly kind: 'pbkdf2';
  readonly digest: string;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly keyLength: number;
}

/** scrypt (RFC 7914), native; N, r and p already checked against the caller's limit. */
export interface ScryptRequest {
  readonly kind: 'scrypt';
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
}

export type KdfRequest = Pkcs12KdfRequest | Pbkdf1Request | Pbkdf2Request | ScryptRequest;

/** scrypt's options: maxmem is what these parameters take (OpenSSL's count, 128·r·(N + 2) + 128·r·p) and 1 MiB to spare. */
const scryptOptions = (r: ScryptRequest): ScryptOptions => ({ N: r.N, r: r.r, p: r.p, maxmem: 128 * r.r * (r.N + 2 + r.p) + 1024 * 1024 });

function prepare(h: HashInfo, password: Uint8Array, salt: Uint8Array, id: number): { D: Uint8Array; I: Uint8Array } {
  const { v } = h;
  const fill = (src: Uint8Array): Uint8Array => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const S = fill(salt);
  const P = fill(password);
  const I = new Uint8Array(S.length + P.length);
  I.set(S, 0);
  I.set(P, S.length);
  return { D: new Uint8Array(v).fill(id), I };
}

/** I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, with B = A repeated to v bytes. */
function nextI(h: HashInfo, I: Uint8Array, A: Uint8Array): void {
  const { u, v } = h;
  const B = new Uint8Array(v);
  for (let j = 0; j < v; j++) B[j] = A[j % u]!;
  for (let off = 0; off < I.length; off += v) {
    let carry = 1;
    for (let k = v - 1; k >= 0; k--) {
      const x = I[off + k]! + B[k]! + carry;
      I[off + k] = x & 0xff;
      carry = x >>> 8;
    }
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};

/**
 * The chain of blocks of one PKCS#12 KDF request: block i + 1 starts from I changed by block i's
 * digest, so each block's chain hands on the next when it ends. `null` when no bytes are asked for.
 */
function pkcs12Chain(r: Pkcs12KdfRequest, finish: (key: Uint8Array) => void): Chain | null {
  const { u } = r.h;
  const blocks = Math.ceil(r.n / u);
  if (blocks === 0) {
    finish(new Uint8Array(0));
    return null;
  }
  const { D, I } = prepare(r.h, r.password, r.salt, r.id);
  const result = new Uint8Array(blocks * u);
  let i = 0;
  const block = (): Chain => ({
    input: concat(D, I),
    iterations: r.iterations,
    done(A) {
      result.set(A, i * u);
      if (++i === blocks) {
        finish(result.subarray(0, r.n));
        return null;
      }
      nextI(r.h, I, A);
      return block();
    },
  });
  return block();
}

/** The hash chains of a batch, grouped by digest; each writes its key into `out`. */
function chainsOf(reqs: readonly KdfRequest[], out: Uint8Array[]): Map<string, Chain[]> {
  const groups = new Map<string, Chain[]>();
  const add = (alg: string, c: Chain | null): void => {
    if (c) groups.set(alg, [...(groups.get(alg) ?? []), c]);
  };
  reqs.forEach((r, i) => {
    if (r.kind === 'pkcs12')
      add(
        r.h.node,
        pkcs12Chain(r, (key) => (out[i] = key)),
      );
    if (r.kind === 'pbkdf1') {
      add(r.hash, { input: concat(r.password, r.salt), iterations: r.iterations, done: (T) => ((out[i] = T.subarray(0, r.n)), null) });
    }
  });
  return groups;
}

/**
 * Units (see lib/pace.ts: about one PBKDF2-HMAC-SHA256 iteration) of one PBKDF2 iteration for one
 * block of output, by PRF, measured with node:crypto on the reference machine (SHA-1 0.45 µs,
 * SHA-256 0.48, SHA-224 0.91, SHA-384 1.16, SHA-512 0.98, SHA-512/224 1.94, SHA-512/256 1.0). Rounded up.
 */
const PBKDF2_UNITS: Readonly<Record<string, number>> = {
  sha1: 1,
  sha224: 2,
  sha256: 1,
  sha384: 2.5,
  sha512: 2.1,
  'sha512-224': 4.1,
  'sha512-256': 2.1,
};
const DIGEST_BYTES: Readonly<Record<string, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha512-224': 28,
  'sha512-256': 32,
  md5: 16,
  'sha3-224': 28,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
  sm3: 32,
};

/**
 * The CPU work a request costs, in units of about one PBKDF2-HMAC-SHA256 iteration: iterations
 * times output blocks times the cost of a step of its digest (see iterate.ts's stepUnits). What
 * the reader's total budget counts, before any of it is done.
 */
export function workOf(r: KdfRequest): number {
  // scrypt: about 0.54 µs per N·r·p here, two units.
  if (r.kind === 'scrypt') return 2 * r.N * r.r * r.p;
  if (r.kind === 'pkcs12') return Math.ceil(r.iterations * Math.ceil(r.n / r.h.u) * stepUnits(r.h.node));
  if (r.kind === 'pbkdf1') return Math.ceil(r.iterations * stepUnits(r.hash));
  const blocks = Math.max(1, Math.ceil(r.keyLength / (DIGEST_BYTES[r.digest] ?? 20)));
  return Math.ceil(r.iterations * blocks * (PBKDF2_UNITS[r.digest] ?? 4.1));
}

/** From this much work on (about 10 ms), PBKDF2 runs on libuv's thread pool instead of the event loop. */
export const ASYNC_PBKDF2_FROM = 20_000;

/** A node:crypto callback as a promise of bytes. */
const settle =
  (resolve: (key: Uint8Array) => void, reject: (err: Error) => void) =>
  (err: Error | null, key: Buffer): void =>
    err ? reject(err) : resolve(new Uint8Array(key));

/** scrypt, and PBKDF2 of ASYNC_PBKDF2_FROM units or more, on the thread pool; `null` for the rest. */
function onPool(r: KdfRequest): Promise<Uint8Array> | null {
  if (r.kind === 'scrypt') return new Promise((resolve, reject) => scryptCb(r.password, r.salt, r.keyLength, scryptOptions(r), settle(resolve, reject)));
  if (r.kind !== 'pbkdf2' || workOf(r) < ASYNC_PBKDF2_FROM) return null;
  return new Promise((resolve, reject) => pbkdf2Cb(r.password, r.salt, r.iterations, r.keyLength, r.digest, settle(resolve, reject)));
}

/**
 * The one way keys are derived: each request's key, in order. Every count must have been checked
 * against the caller's limit and budget before this is called.
 *
 * How: scrypt and long PBKDF2s run side by side on the thread pool while the rest runs here;
 * small PBKDF2s stay on the event loop (two 2048-count PBKDF2s side by side on the pool were no
 * faster: 1.25-1.34 ms against 1.49-1.74 ms for an OpenSSL 3 default read); the hash chains of the
 * PKCS#12 KDF and PBKDF1 run on iterate.ts's kernels. `pause` (by default the process's pacer,
 * lib/pace.ts) is told the cost of each piece of work on the event loop before it runs, so that a
 * long derivation does not hold the loop.
 *
 * @example
 * ```ts
 * const [key, iv] = await deriveKeys([
 *   { kind: 'pkcs12', h: sha1, password: bmpPassword(pw), salt, id: KDF_ID.key, iterations, n: 24 },
 *   { kind: 'pkcs12', h: sha1, password: bmpPassword(pw), salt, id: KDF_ID.iv, iterations, n: 8 },
 * ]);
 * ```
 */
export async function deriveKeys(reqs: readonly KdfRequest[], pause: Pause = pace): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(reqs.length);
  const background = reqs.map((r, i) => onPool(r)?.then((key) => void (out[i] = key)));
  // Settled together, so that a failure in one leaves no other promise rejected unobserved.
  const pending = Promise.allSettled(background);
  let failed: { reason: unknown } | null = null;
  try {
    for (const [i, r] of reqs.entries()) {
      if (r.kind !== 'pbkdf2' || background[i]) continue;
      const wait = pause(workOf(r));
      if (wait) await wait;
      out[i] = new Uint8Array(pbkdf2Sync(r.password, r.salt, r.iterations, r.keyLength, r.digest));
    }
    for (const [alg, chains] of chainsOf(reqs, out)) await runChains(alg, chains, pause);
  } catch (err) {
    failed = { reason: err };
  }
  // A failure on the pool is the one reported, as before.
  for (const s of await pending) if (s.status === 'rejected') failed = { reason: s.reason };
  if (failed) throw failed.reason;
  return out;
}
