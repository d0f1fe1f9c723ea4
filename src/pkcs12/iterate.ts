/**
 * H^r for the PKCS#12 KDF (RFC 7292 appendix B.2, step 6) and PBKDF1: A = H(input), then A = H(A)
 * r−1 times, for many chains at once.
 *
 * The repeated step hashes a digest-sized input, one block with fixed padding, thousands of times
 * (600,000 for NSS). A call into node:crypto per step costs about a microsecond, nearly all of it
 * call overhead, so SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512 run that loop in WebAssembly
 * (sha-wasm.ts, made by scripts/gen-sha.mjs, which says why not in JavaScript; SHA-512 159 ns a
 * step against about 1 us through node:crypto). SHA-512/224 and SHA-512/256 keep node:crypto.
 * Where WebAssembly is missing, as under `node --jitless`, the compact JavaScript loops below do
 * the work (SHA-1, SHA-224, SHA-256; node:crypto for the others). Chains run one after the
 * other, each sliced so that a caller can yield to the event loop between slices. Only kdf.ts
 * uses this file.
 */
import { hash } from 'node:crypto';
import { KERNEL_WASM, SHA224_IV, SHA256_IV, SHA256_K as K256 } from './sha-wasm.js';

const SHA1_IV = Int32Array.from([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
/** SHA-1's round constants, one for each 20 rounds. */
const SHA1_K = Int32Array.from([0x5a827999, 0x6ed9eba1, 0x8f1bbcdc | 0, 0xca62c1d6 | 0]);

/**
 * `state` ← SHA-1 of the 20 bytes it holds, `count` times (FIPS 180-4 section 6.1.2). One block a
 * step: the five state words, then the fixed padding (0x80, zeros, bit length 160). The schedule
 * runs in a 16-word ring, computed inside the rounds.
 */
function sha1Loop(state: Int32Array, count: number, W: Int32Array): void {
  for (let it = 0; it < count; it++) {
    for (let i = 0; i < 5; i++) W[i] = state[i]!;
    W[5] = 0x80000000 | 0;
    W.fill(0, 6, 15);
    W[15] = 160;
    let a = SHA1_IV[0]!,
      b = SHA1_IV[1]!,
      c = SHA1_IV[2]!,
      d = SHA1_IV[3]!,
      e = SHA1_IV[4]!;
    for (let i = 0; i < 80; i++) {
      let w = W[i & 15]!;
      if (i >= 16) {
        const x = W[(i + 13) & 15]! ^ W[(i + 8) & 15]! ^ W[(i + 2) & 15]! ^ w;
        w = (x << 1) | (x >>> 31);
        W[i & 15] = w;
      }
      const f = i < 20 ? (b & c) | (~b & d) : i >= 40 && i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const t = (e + SHA1_K[(i / 20) | 0]! + w + f + ((a << 5) | (a >>> 27))) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    state[0] = (SHA1_IV[0]! + a) | 0;
    state[1] = (SHA1_IV[1]! + b) | 0;
    state[2] = (SHA1_IV[2]! + c) | 0;
    state[3] = (SHA1_IV[3]! + d) | 0;
    state[4] = (SHA1_IV[4]! + e) | 0;
  }
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
      const w15 = W[i - 15]!,
        w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = iv[0]!,
      b = iv[1]!,
      c = iv[2]!,
      d = iv[3]!,
      e = iv[4]!,
      f = iv[5]!,
      g = iv[6]!,
      h = iv[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + K256[i]! + W[i]! + ch + S1) | 0;
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

/** The kernels chains run on: `state` ← H(state), `count` times, by digest. */
export interface Kernels {
  readonly one: Readonly<Record<string, Repeat>>;
}

/** The compact JavaScript loops: the fallback where WebAssembly is not available. */
export const COMPACT: Kernels = {
  one: {
    sha1: (s, n) => sha1Loop(s, n, new Int32Array(16)),
    sha224: (s, n) => sha2Loop(s, n, new Int32Array(64), SHA224_IV, 7),
    sha256: (s, n) => sha2Loop(s, n, new Int32Array(64), SHA256_IV, 8),
  },
};

/** The part of the WebAssembly API used here (the DOM typings are not in this project's lib). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * The runtime's WebAssembly, where it can compile and instantiate a module with a page of memory,
 * as each kernel has: not under `node --jitless`, nor where Wasm memory cannot be had (a small
 * `ulimit -v`, `--wasm-max-mem-pages=0`).
 */
function webAssembly(): Wasm | null {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (!wasm) return null;
  try {
    // (module (memory 1)): the magic and version, then a memory section of one page.
    new wasm.Instance(new wasm.Module(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1)));
    return wasm;
  } catch {
    return null;
  }
}

/**
 * `f` run `count` steps in calls that start short and double up to SLICE. V8 runs a WebAssembly
 * function's first calls with its baseline compiler (Liftoff: SHA-256 at 0.35 us a step, against
 * 0.2 us optimised; 2 us before gen-sha.mjs stopped using rotl) and moves to the optimised code
 * only when a call starts, so one long first call would keep a cold read on the slow code for its
 * whole derivation. Warm, it costs a few calls more, once.
 */
function warming(f: (count: number) => void): (count: number) => void {
  let cap = 256;
  return (count) => {
    while (count > 0) {
      const n = Math.min(count, cap);
      f(n);
      count -= n;
      if (cap < SLICE) cap *= 2;
    }
  };
}

/**
 * The WebAssembly kernels; `null` where the runtime cannot compile them. Each digest's module is
 * compiled when a chain first runs on it. State moves through the module's memory in
 * little-endian words (the memory never grows, so the view stays valid).
 */
function wasmKernels(): Kernels | null {
  const wasm = webAssembly();
  if (!wasm) return null;
  // Word i of a state at byte `at(i)`: 32-bit words in order; for SHA-384/512 the state holds
  // 64-bit words as (high, low) pairs, and memory each pair as one little-endian i64.
  const wrap = (alg: string, at: (i: number) => number): Repeat => {
    let f: ((count: number) => void) | undefined;
    let view: DataView;
    return (state, count) => {
      if (!f) {
        const { exports } = new wasm.Instance(new wasm.Module(Buffer.from(KERNEL_WASM[alg]!, 'base64')));
        view = new DataView((exports.memory as { buffer: ArrayBuffer }).buffer);
        f = warming(exports.repeat as (count: number) => void);
      }
      for (let i = 0; i < state.length; i++) view.setInt32(at(i), state[i]!, true);
      f(count);
      for (let i = 0; i < state.length; i++) state[i] = view.getInt32(at(i), true);
    };
  };
  const w32 = (i: number): number => 4 * i;
  const w64 = (i: number): number => 4 * (i ^ 1);
  return { one: { sha1: wrap('sha1', w32), sha224: wrap('sha224', w32), sha256: wrap('sha256', w32), sha384: wrap('sha384', w64), sha512: wrap('sha512', w64) } };
}

let compiled: Kernels | undefined;
/** The kernels this process uses: WebAssembly, compiled on first use, else the compact loops. */
export function kernels(): Kernels {
  compiled ??= wasmKernels() ?? COMPACT;
  return compiled;
}

/** A digest's length in 32-bit words. */
const WORDS: Readonly<Record<string, number>> = { sha1: 5, sha224: 7, sha256: 8, sha384: 12, sha512: 16 };

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

const digest = (alg: string, input: Uint8Array): Uint8Array => new Uint8Array(hash(alg, input, 'buffer') as unknown as Buffer);

/** Steps per kernel call at most. */
export const SLICE = 50_000;

/**
 * Cost of one step of a chain, in pacing/budget units (about one PBKDF2-HMAC-SHA256 iteration,
 * 0.48 µs on the reference machine), measured there: WebAssembly SHA-1 0.14 µs a step, SHA-224/256 0.40, SHA-384/512 0.55; a step through node:crypto (MD5,
 * SHA-512/224, SHA-512/256) 2.7-3.2 µs. Rounded up. Without WebAssembly (`node --jitless`) the
 * compact JavaScript loops took 28-45 µs a step there (100 units) and a node:crypto step 4.4 µs
 * (twice the usual rate).
 */
const STEP_UNITS: Readonly<Record<string, number>> = { sha1: 0.3, sha224: 0.85, sha256: 0.85, sha384: 1.2, sha512: 1.2 };
const NODE_STEP_UNITS = 6.7;
const COMPACT_STEP_UNITS = 100;

/** Units one step of a chain over `alg` costs with these kernels. */
export function stepUnits(alg: string, using: Kernels = kernels()): number {
  if (using === COMPACT) return using.one[alg] ? COMPACT_STEP_UNITS : 2 * NODE_STEP_UNITS;
  return using.one[alg] ? (STEP_UNITS[alg] ?? NODE_STEP_UNITS) : NODE_STEP_UNITS;
}

/** Most units of chain work between two pauses (a quarter of a paced turn). */
const SLICE_UNITS = 10_000;

/**
 * One chain: H over `input`, then `iterations` − 1 more over the digest. `done` receives the
 * digest and may return a chain that depends on it (the next block of a key), which is scheduled
 * with the rest.
 */
export interface Chain {
  readonly input: Uint8Array;
  readonly iterations: number;
  done(digest: Uint8Array): Chain | null;
}

/**
 * Runs `chains` (all over `alg`) to the end, one after the other (and each next chain a `done`
 * hands on). Before each kernel call it yields the units that call is about to cost, and does the
 * work when resumed.
 */
function* schedule(alg: string, chains: readonly Chain[], k: Kernels): Generator<number, void, void> {
  const ready = chains.slice();
  const words = WORDS[alg];
  const one = words === undefined ? undefined : k.one[alg];
  const unit = stepUnits(alg, k);
  const most = Math.max(1, Math.min(SLICE, Math.floor(SLICE_UNITS / unit)));
  for (let c = ready.shift(); c; c = ready.shift()) {
    let a = digest(alg, c.input);
    const state = one ? toWords(a, words!) : null;
    for (let left = c.iterations - 1; left > 0; ) {
      const n = Math.min(left, most);
      yield n * unit;
      if (state) one!(state, n);
      else for (let r = 0; r < n; r++) a = digest(alg, a);
      left -= n;
    }
    const next = c.done(state ? toBytes(state) : a);
    if (next) ready.push(next);
  }
}

/** Declares work about to be done (see lib/pace.ts); awaited when it returns a promise. */
export type Pause = (units: number) => Promise<void> | undefined;

/**
 * Runs the chains; `pause` is told the cost of each slice of work before it runs (to let the
 * event loop and other reads run). `using` chooses the kernels (tests run both); by default
 * WebAssembly where it compiles.
 */
export async function runChains(alg: string, chains: readonly Chain[], pause?: Pause, using: Kernels = kernels()): Promise<void> {
  const it = schedule(alg, chains, using);
  for (let r = it.next(); !r.done; r = it.next()) {
    const wait = pause?.(r.value);
    if (wait) await wait;
  }
}
