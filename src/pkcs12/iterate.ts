/**
 * H^r for the PKCS#12 KDF (RFC 7292 appendix B.2, step 6): A = H(D || I), then A = H(A) r−1 times.
 *
 * The repeated step hashes a digest-sized input, one block with fixed padding, tens of thousands
 * of times (600,000 for NSS). A call into node:crypto per step costs about a microsecond, nearly
 * all of it call overhead, so SHA-1, SHA-224 and SHA-256 run that loop here. Longer digests keep
 * node:crypto. The loop is sliced so that a caller can yield to the event loop between slices.
 */
import { hash } from 'node:crypto';
import { SHA224_IV as IV224, SHA256_IV as IV256, SHA256_K as K256, sha1Repeat, sha1Repeat2, sha224Repeat, sha256Repeat } from './sha-unrolled.js';

// The compact loops: small functions that the JIT compiles in moments. The unrolled ones
// (sha-unrolled.ts) step about twice as fast once compiled, but a function that size runs
// interpreted at first and costs tens of milliseconds to compile: a one-off read (a CLI run)
// would pay more than it saves. So derivations start on these, and move to the unrolled code
// once a process has shown it does many (or one long one).

/**
 * `state` ← SHA-1 of the 20 bytes it holds, `count` times. One block a step: the five state words,
 * then the fixed padding (0x80, zeros, bit length 160). The schedule runs in a 16-word ring,
 * computed inside the rounds, and the rounds are four branch-free loops.
 */
function sha1Loop(state: Int32Array, count: number, W: Int32Array): void {
  let h0 = state[0]!, h1 = state[1]!, h2 = state[2]!, h3 = state[3]!, h4 = state[4]!;
  const i0 = 0x67452301, i1 = 0xefcdab89 | 0, i2 = 0x98badcfe | 0, i3 = 0x10325476, i4 = 0xc3d2e1f0 | 0;
  for (let it = 0; it < count; it++) {
    W[0] = h0;
    W[1] = h1;
    W[2] = h2;
    W[3] = h3;
    W[4] = h4;
    W[5] = 0x80000000 | 0;
    W[6] = 0;
    W[7] = 0;
    W[8] = 0;
    W[9] = 0;
    W[10] = 0;
    W[11] = 0;
    W[12] = 0;
    W[13] = 0;
    W[14] = 0;
    W[15] = 160;
    let a = i0, b = i1, c = i2, d = i3, e = i4;
    let i = 0;
    for (; i < 16; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 20; i++) {
      const x = W[(i + 13) & 15]! ^ W[(i + 8) & 15]! ^ W[(i + 2) & 15]! ^ W[i & 15]!;
      const w = (x << 1) | (x >>> 31);
      W[i & 15] = w;
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 40; i++) {
      const x = W[(i + 13) & 15]! ^ W[(i + 8) & 15]! ^ W[(i + 2) & 15]! ^ W[i & 15]!;
      const w = (x << 1) | (x >>> 31);
      W[i & 15] = w;
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 60; i++) {
      const x = W[(i + 13) & 15]! ^ W[(i + 8) & 15]! ^ W[(i + 2) & 15]! ^ W[i & 15]!;
      const w = (x << 1) | (x >>> 31);
      W[i & 15] = w;
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 80; i++) {
      const x = W[(i + 13) & 15]! ^ W[(i + 8) & 15]! ^ W[(i + 2) & 15]! ^ W[i & 15]!;
      const w = (x << 1) | (x >>> 31);
      W[i & 15] = w;
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (i0 + a) | 0;
    h1 = (i1 + b) | 0;
    h2 = (i2 + c) | 0;
    h3 = (i3 + d) | 0;
    h4 = (i4 + e) | 0;
  }
  state[0] = h0;
  state[1] = h1;
  state[2] = h2;
  state[3] = h3;
  state[4] = h4;
}

/** `state` ← SHA-256 (or SHA-224 with its IV and 7 words) of the digest it holds, `count` times. */
function sha2Loop(state: Int32Array, count: number, W: Int32Array, iv: Int32Array, words: 7 | 8): void {
  const bits = words * 32;
  for (let it = 0; it < count; it++) {
    for (let i = 0; i < words; i++) W[i] = state[i]!;
    W[words] = 0x80000000 | 0;
    for (let i = words + 1; i < 15; i++) W[i] = 0;
    W[15] = bits;
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!, w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = iv[0]!, b = iv[1]!, c = iv[2]!, d = iv[3]!, e = iv[4]!, f = iv[5]!, g = iv[6]!, h = iv[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K256[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = (iv[0]! + a) | 0;
    state[1] = (iv[1]! + b) | 0;
    state[2] = (iv[2]! + c) | 0;
    state[3] = (iv[3]! + d) | 0;
    state[4] = (iv[4]! + e) | 0;
    state[5] = (iv[5]! + f) | 0;
    state[6] = (iv[6]! + g) | 0;
    state[7] = (iv[7]! + h) | 0;
  }
}

type Repeat = (state: Int32Array, count: number) => void;

/** The compact loops, as Repeat functions. */
export const COMPACT: Readonly<Record<string, { words: number; run: Repeat }>> = {
  sha1: { words: 5, run: (s, n) => sha1Loop(s, n, new Int32Array(16)) },
  sha224: { words: 7, run: (s, n) => sha2Loop(s, n, new Int32Array(64), IV224, 7) },
  sha256: { words: 8, run: (s, n) => sha2Loop(s, n, new Int32Array(64), IV256, 8) },
};

/** The unrolled ones (generated by scripts/gen-sha.mjs). */
export const UNROLLED: Readonly<Record<string, { words: number; run: Repeat }>> = {
  sha1: { words: 5, run: sha1Repeat },
  sha224: { words: 7, run: sha224Repeat },
  sha256: { words: 8, run: sha256Repeat },
};

/** Derivations in this process, for the choice between the compact and the unrolled code. */
let derivations = 0;
/** After this many derivations a process is reading more than once: the unrolled code pays off. */
export const WARM_AFTER = 24;
/** A derivation this long pays for compiling the unrolled code by itself. */
export const LONG_DERIVATION = 100_000;

type Tier = 'compact' | 'unrolled';

/** Which code `count` derivations of `iterations` steps each should run now. */
export function tierFor(iterations: number, count = 1): Tier {
  derivations += count;
  return derivations > WARM_AFTER || iterations >= LONG_DERIVATION ? 'unrolled' : 'compact';
}

const toWords = (b: Uint8Array, n: number): Int32Array => {
  const w = new Int32Array(n);
  for (let i = 0; i < n; i++) w[i] = (b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!;
  return w;
};
const toBytes = (w: Int32Array): Uint8Array => {
  const out = new Uint8Array(4 * w.length);
  for (let i = 0; i < w.length; i++) {
    out[4 * i] = w[i]! >>> 24;
    out[4 * i + 1] = (w[i]! >>> 16) & 0xff;
    out[4 * i + 2] = (w[i]! >>> 8) & 0xff;
    out[4 * i + 3] = w[i]! & 0xff;
  }
  return out;
};

const first = (alg: string, input: Uint8Array): Uint8Array => new Uint8Array(hash(alg, input, 'buffer') as unknown as Buffer);

/** Iterations per slice between yields, when a yield is asked for. */
export const SLICE = 50_000;

/**
 * H^iterations: the first hash over `input` (any length), then iterations−1 more over the
 * digest. `pause` is awaited between slices of SLICE iterations (to let the event loop run).
 */
export function iterateHash(alg: string, input: Uint8Array, iterations: number, pause?: () => Promise<void>): Promise<Uint8Array> {
  return chain(alg, input, iterations, tierFor(iterations), pause);
}

async function chain(alg: string, input: Uint8Array, iterations: number, tier: Tier, pause?: () => Promise<void>): Promise<Uint8Array> {
  let a = first(alg, input);
  let left = iterations - 1;
  const js = (tier === 'unrolled' ? UNROLLED : COMPACT)[alg];
  const state = js ? toWords(a, js.words) : null;
  while (left > 0) {
    const n = pause ? Math.min(left, SLICE) : left;
    if (js) js.run(state!, n);
    else for (let r = 0; r < n; r++) a = first(alg, a);
    left -= n;
    if (left > 0 && pause) await pause();
  }
  return state ? toBytes(state) : a;
}

/**
 * Two independent chains of the same length (a PBE key and its IV). Once the process is warm,
 * SHA-1 pairs run interleaved (sha1Repeat2: about 1.24x the throughput of one after the other);
 * otherwise, and for other hashes, one after the other.
 */
export async function iterateHashPair(alg: string, inputA: Uint8Array, inputB: Uint8Array, iterations: number, pause?: () => Promise<void>): Promise<[Uint8Array, Uint8Array]> {
  // One decision for both chains, counted as the two derivations it is.
  const tier = tierFor(iterations, 2);
  if (alg !== 'sha1' || tier !== 'unrolled') {
    return [await chain(alg, inputA, iterations, tier, pause), await chain(alg, inputB, iterations, tier, pause)];
  }
  const a = toWords(first(alg, inputA), 5);
  const b = toWords(first(alg, inputB), 5);
  let left = iterations - 1;
  while (left > 0) {
    const n = pause ? Math.min(left, SLICE) : left;
    sha1Repeat2(a, b, n);
    left -= n;
    if (left > 0 && pause) await pause();
  }
  return [toBytes(a), toBytes(b)];
}

/** The same as iterateHash without yielding, for the writer. */
export function iterateHashSync(alg: string, input: Uint8Array, iterations: number): Uint8Array {
  let a = first(alg, input);
  const js = (tierFor(iterations) === 'unrolled' ? UNROLLED : COMPACT)[alg];
  if (js) {
    const state = toWords(a, js.words);
    js.run(state, iterations - 1);
    return toBytes(state);
  }
  for (let r = 1; r < iterations; r++) a = first(alg, a);
  return a;
}
