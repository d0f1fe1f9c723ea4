/**
 * The PKCS#12 key derivation function (RFC 7292, appendix B.2) and the password encodings
 * that go with it.
 */
import { pbkdf2 as pbkdf2Cb, pbkdf2Sync, scrypt as scryptCb, scryptSync, type ScryptOptions } from 'node:crypto';
import type { HashInfo } from './oids.js';
import { runChains, runChainsSync, stepUnits, type Chain, type Pause } from './iterate.js';

/** Purpose bytes of appendix B.3. */
export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const;

/** `n` bytes from the PKCS#12 KDF (RFC 7292 appendix B.2); the password already encoded (see {@link bmpPassword}). */
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
    if (r.kind === 'pkcs12') add(r.h.node, pkcs12Chain(r, (key) => (out[i] = key)));
    if (r.kind === 'pbkdf1') {
      add(r.hash, { input: concat(r.password, r.salt), iterations: r.iterations, done: (T) => ((out[i] = T.subarray(0, r.n)), null) });
    }
  });
  return groups;
}

/** PBKDF2 here, on the event loop. */
const pbkdf2Here = (r: Pbkdf2Request): Uint8Array => new Uint8Array(pbkdf2Sync(r.password, r.salt, r.iterations, r.keyLength, r.digest));

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

/**
 * Derives a batch of keys. Hash chains (PKCS#12 KDF and PBKDF1) run together, SHA-1 ones four at a
 * time in SIMD lanes; PBKDF2 is native, and requests of ASYNC_PBKDF2_FROM units and more run side
 * by side on the thread pool meanwhile, as scrypt always does. `pause` is told the cost of each piece of work on the
 * event loop before it runs (lib/pace.ts), so a long derivation does not hold the loop. Every
 * count must have been checked against the caller's limit and budget before this is called.
 */
export async function deriveKeys(reqs: readonly KdfRequest[], pause?: Pause): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(reqs.length);
  const background: Promise<void>[] = [];
  // Small ones stay on the event loop: two 2048-count PBKDF2s side by side on the pool were no
  // faster (1.25-1.34 ms synchronous against 1.49-1.74 ms for an OpenSSL 3 default read).
  const onPool = (r: Pbkdf2Request): boolean => workOf(r) >= ASYNC_PBKDF2_FROM;
  reqs.forEach((r, i) => {
    if (r.kind === 'scrypt') {
      background.push(
        new Promise((resolve, reject) => {
          scryptCb(r.password, r.salt, r.keyLength, scryptOptions(r), (err, key) => (err ? reject(err) : resolve(void (out[i] = new Uint8Array(key)))));
        }),
      );
    }
    if (r.kind === 'pbkdf2' && onPool(r)) {
      background.push(
        new Promise((resolve, reject) => {
          pbkdf2Cb(r.password, r.salt, r.iterations, r.keyLength, r.digest, (err, key) => (err ? reject(err) : resolve(void (out[i] = new Uint8Array(key)))));
        }),
      );
    }
  });
  // Settled together, so that a failure in one leaves no other promise rejected unobserved.
  const pending = Promise.allSettled(background);
  try {
    for (const [i, r] of reqs.entries()) {
      if (r.kind !== 'pbkdf2' || onPool(r)) continue;
      const wait = pause?.(workOf(r));
      if (wait) await wait;
      out[i] = pbkdf2Here(r);
    }
    for (const [alg, chains] of chainsOf(reqs, out)) await runChains(alg, chains, pause);
  } finally {
    for (const s of await pending) if (s.status === 'rejected') throw s.reason;
  }
  return out;
}

/** The same, synchronously (the writer's few derivations at small counts). */
export function deriveKeysSync(reqs: readonly KdfRequest[]): Uint8Array[] {
  const out: Uint8Array[] = new Array(reqs.length);
  reqs.forEach((r, i) => {
    if (r.kind === 'pbkdf2') out[i] = pbkdf2Here(r);
    if (r.kind === 'scrypt') out[i] = new Uint8Array(scryptSync(r.password, r.salt, r.keyLength, scryptOptions(r)));
  });
  for (const [alg, chains] of chainsOf(reqs, out)) runChainsSync(alg, chains);
  return out;
}

/** One PKCS#12 KDF derivation of `n` bytes, synchronously (the writer's). */
export function pkcs12KdfSync(h: HashInfo, password: Uint8Array, salt: Uint8Array, id: number, iterations: number, n: number): Uint8Array {
  return deriveKeysSync([{ kind: 'pkcs12', h, password, salt, id, iterations, n }])[0]!;
}

/**
 * How many SHA-1 chains these requests run (each can share the SIMD lanes with the others);
 * `null` when one of them cannot (another digest, or PBKDF2).
 */
export function sha1Chains(reqs: readonly KdfRequest[]): number | null {
  let n = 0;
  for (const r of reqs) {
    if (r.kind === 'pkcs12' && r.h.node === 'sha1') n += Math.ceil(r.n / r.h.u);
    else if (r.kind === 'pbkdf1' && r.hash === 'sha1') n += 1;
    else return null;
  }
  return n;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** What a request derives, apart from the password (compared as bytes, never put in a string). */
function cacheKey(r: KdfRequest): string {
  if (r.kind === 'pkcs12') return `pkcs12 ${r.h.node} ${r.id} ${r.iterations} ${r.n} ${hex(r.salt)}`;
  if (r.kind === 'pbkdf1') return `pbkdf1 ${r.hash} ${r.iterations} ${r.n} ${hex(r.salt)}`;
  if (r.kind === 'scrypt') return `scrypt ${r.N} ${r.r} ${r.p} ${r.keyLength} ${hex(r.salt)}`;
  return `pbkdf2 ${r.digest} ${r.iterations} ${r.keyLength} ${hex(r.salt)}`;
}

/**
 * The keys derived during one read. The reader derives what it can foresee in one batch
 * ({@link KdfSession.derive} with many requests); a scheme asking later for a key derived before
 * gets it without deriving again.
 */
export class KdfSession {
  private readonly known = new Map<string, { password: Uint8Array; key: Uint8Array }[]>();

  constructor(private readonly pause?: Pause) {}

  private find(key: string, password: Uint8Array): Uint8Array | undefined {
    return this.known.get(key)?.find((e) => Buffer.compare(e.password, password) === 0)?.key;
  }

  /** Each request's key: known ones as they are, the others derived together. */
  async derive(reqs: readonly KdfRequest[]): Promise<Uint8Array[]> {
    const keys = reqs.map(cacheKey);
    const out = reqs.map((r, i) => this.find(keys[i]!, r.password));
    const missing = out.flatMap((key, i) => (key === undefined ? [i] : []));
    if (missing.length > 0) {
      const derived = await deriveKeys(missing.map((i) => reqs[i]!), this.pause);
      missing.forEach((i, j) => {
        out[i] = derived[j]!;
        this.known.set(keys[i]!, [...(this.known.get(keys[i]!) ?? []), { password: reqs[i]!.password, key: derived[j]! }]);
      });
    }
    return out as Uint8Array[];
  }
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
