/**
 * The PKCS#12 key derivation function (RFC 7292, appendix B.2) and the password encodings
 * that go with it.
 */
import { pbkdf2 as pbkdf2Cb, pbkdf2Sync } from 'node:crypto';
import type { HashInfo } from './oids.js';
import { iterateHash, iterateHashPair, iterateHashSync } from './iterate.js';

/** Purpose bytes of appendix B.3. */
export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const;

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
 * Derives `n` bytes from `password` (already encoded, see {@link bmpPassword}) and `salt`.
 * `iterations` must have been checked against the caller's limit before this is called.
 * `pause` is awaited between slices of a long derivation, so the event loop keeps running.
 */
export async function pkcs12Kdf(
  h: HashInfo,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  n: number,
  pause?: () => Promise<void>,
): Promise<Uint8Array> {
  const { D, I } = prepare(h, password, salt, id);
  const c = Math.ceil(n / h.u);
  const result = new Uint8Array(c * h.u);
  for (let i = 0; i < c; i++) {
    const A = await iterateHash(h.node, concat(D, I), iterations, pause);
    result.set(A, i * h.u);
    if (i < c - 1) nextI(h, I, A);
  }
  return result.subarray(0, n);
}

/**
 * Two derivations from the same password, salt and count that differ in purpose (a key and its
 * IV): their first blocks run as one interleaved pair, any further blocks one by one.
 */
export async function pkcs12KdfPair(
  h: HashInfo,
  password: Uint8Array,
  salt: Uint8Array,
  a: { id: number; n: number },
  b: { id: number; n: number },
  iterations: number,
  pause?: () => Promise<void>,
): Promise<[Uint8Array, Uint8Array]> {
  if (a.n === 0 || b.n === 0) {
    return [await pkcs12Kdf(h, password, salt, a.id, iterations, a.n, pause), await pkcs12Kdf(h, password, salt, b.id, iterations, b.n, pause)];
  }
  const A = prepare(h, password, salt, a.id);
  const B = prepare(h, password, salt, b.id);
  const [a1, b1] = await iterateHashPair(h.node, concat(A.D, A.I), concat(B.D, B.I), iterations, pause);
  const finish = async (x: { D: Uint8Array; I: Uint8Array }, firstBlock: Uint8Array, n: number): Promise<Uint8Array> => {
    const c = Math.ceil(n / h.u);
    const result = new Uint8Array(c * h.u);
    result.set(firstBlock, 0);
    let prev = firstBlock;
    for (let i = 1; i < c; i++) {
      nextI(h, x.I, prev);
      prev = await iterateHash(h.node, concat(x.D, x.I), iterations, pause);
      result.set(prev, i * h.u);
    }
    return result.subarray(0, n);
  };
  return [await finish(A, a1, a.n), await finish(B, b1, b.n)];
}

/** The same, synchronously (the writer's derivations). */
export function pkcs12KdfSync(h: HashInfo, password: Uint8Array, salt: Uint8Array, id: number, iterations: number, n: number): Uint8Array {
  const { D, I } = prepare(h, password, salt, id);
  const c = Math.ceil(n / h.u);
  const result = new Uint8Array(c * h.u);
  for (let i = 0; i < c; i++) {
    const A = iterateHashSync(h.node, concat(D, I), iterations);
    result.set(A, i * h.u);
    if (i < c - 1) nextI(h, I, A);
  }
  return result.subarray(0, n);
}

/**
 * The PKCS#12 password form: big-endian UTF-16 (characters outside the BMP as surrogate pairs,
 * as JavaScript strings already hold them) followed by a two-byte zero terminator.
 * `undefined` is the absent password: zero bytes.
 */
export function bmpPassword(password: string | undefined): Uint8Array {
  if (password === undefined) return new Uint8Array(0);
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[i * 2] = c >> 8;
    out[i * 2 + 1] = c & 0xff;
  }
  return out;
}

/**
 * What OpenSSL before 1.1.0 derived from a non-ASCII password: each UTF-8 byte widened to 16 bits
 * (as if the bytes were Latin-1), plus the terminator.
 */
export function legacyOpensslPassword(password: string): Uint8Array {
  const utf8 = new TextEncoder().encode(password);
  const out = new Uint8Array(utf8.length * 2 + 2);
  for (let i = 0; i < utf8.length; i++) out[i * 2 + 1] = utf8[i]!;
  return out;
}

/** The PBKDF2 / PBMAC1 password form: UTF-8 bytes, no terminator. */
export function utf8Password(password: string | undefined): Uint8Array {
  return password === undefined ? new Uint8Array(0) : new TextEncoder().encode(password);
}

/** From this many iterations on, PBKDF2 runs on libuv's thread pool instead of the event loop. */
export const ASYNC_PBKDF2_FROM = 20_000;

/** PBKDF2 (native): synchronous for small counts, on the thread pool for large ones. */
export function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, keyLength: number, digest: string): Promise<Uint8Array> {
  if (iterations < ASYNC_PBKDF2_FROM) return Promise.resolve(new Uint8Array(pbkdf2Sync(password, salt, iterations, keyLength, digest)));
  return new Promise((resolve, reject) => {
    pbkdf2Cb(password, salt, iterations, keyLength, digest, (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))));
  });
}
