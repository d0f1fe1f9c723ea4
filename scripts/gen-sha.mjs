#!/usr/bin/env node
// Generates src/pkcs12/sha-wasm.ts: a WebAssembly module, as base64, for the PKCS#12 KDF's
// repeated step (RFC 7292 appendix B.2: A = H(A), thousands of times, over a digest-sized input,
// so each step is one compression of one block whose padding is fixed).
//
//   KERNEL_WASM.sha1, .sha224, .sha256: a module each, whose repeat(count) runs one chain, the
//   state words at offset 0 of its memory (32-bit, little-endian); .sha384, .sha512: the same in
//   64-bit words (a MAC may use them).
//
// Why WebAssembly and not JavaScript: the same unrolled JavaScript ran at 57 ns a SHA-1 step in
// one process and 80 ns in the next (where V8 placed the code; pinning to a CPU did not change
// it), while this code runs alike in every process. How it is written:
// - fully unrolled; the working variables are renamed round by round instead of shifted;
// - the padding words are constants, folded (with the round constants) at generation time;
// - each round adds what is known early (e, K, W, f) first and the rotated a last, so the new a
//   waits on one rotate and one add (SHA-256 likewise adds h + K + W first and Σ1(e) last).
//
//   npm run generate   (node scripts/gen-sha.mjs > src/pkcs12/sha-wasm.ts; test/pkcs12/ciphers.test.ts
//                      checks that the file is current)

// ---- WebAssembly encoding ----
const uleb = (n) => {
  const o = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};
const sleb = (n) => {
  const o = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
};
const slebBig = (n) => {
  const o = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && !(b & 0x40)) || (n === -1n && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const name = (s) => vec([...Buffer.from(s)]);
const I32 = 0x7f,
  I64 = 0x7e;
const op = {
  localGet: (i) => [0x20, ...uleb(i)],
  localSet: (i) => [0x21, ...uleb(i)],
  i32const: (n) => [0x41, ...sleb(n | 0)],
};
const rotl32 = (x, n) => (x << n) | (x >>> (32 - n)) | 0;

/**
 * Expression builder over one value type (i32 or i64). A value is { c } (a constant),
 * { l } (a local) or { e } (code that leaves it on the stack, used once). Constant operands are
 * folded; `set` gives an expression a local.
 */
function builder(kind) {
  const wide = kind === 'i64';
  const type = wide ? I64 : I32;
  const locals = []; // value types of locals after the parameter
  const code = [];
  const local = () => {
    locals.push(type);
    return locals.length; // local 0 is the count parameter
  };
  // Constant arithmetic: 32-bit numbers, or 64-bit BigInts for i64.
  const k = wide
    ? {
        norm: (x) => BigInt.asIntN(64, BigInt(x)),
        add: (a, b) => BigInt.asIntN(64, a + b),
        shl: (a, n) => BigInt.asIntN(64, a << BigInt(n)),
        shr: (a, n) => BigInt.asIntN(64, BigInt.asUintN(64, a) >> BigInt(n)),
        rotl: (a, n) => BigInt.asIntN(64, (BigInt.asUintN(64, a) << BigInt(n)) | (BigInt.asUintN(64, a) >> BigInt(64 - n))),
        zero: 0n,
      }
    : {
        norm: (x) => x | 0,
        add: (a, b) => (a + b) | 0,
        shl: (a, n) => (a << n) | 0,
        shr: (a, n) => (a >>> n) | 0,
        rotl: (a, n) => rotl32(a, n),
        zero: 0,
      };
  const bits = wide ? 64 : 32;
  const constBytes = (c) => (wide ? [0x42, ...slebBig(c)] : op.i32const(c));
  const shiftCount = (n) => (wide ? [0x42, ...slebBig(BigInt(n))] : op.i32const(n));
  const emit = (v) => (v.c !== undefined ? constBytes(v.c) : v.l !== undefined ? op.localGet(v.l) : v.e);
  const isC = (...vs) => vs.every((v) => v.c !== undefined);
  const C = (c) => ({ c: k.norm(c) });
  const bin = wide ? { add: [0x7c], and: [0x83], or: [0x84], xor: [0x85], shl: [0x86], shr: [0x88] } : { add: [0x6a], and: [0x71], or: [0x72], xor: [0x73], shl: [0x74], shr: [0x76] };
  // A sum or xor of many terms: constants folded into one, added last.
  const fold =
    (name, fn) =>
    (...xs) => {
      let acc = k.zero;
      const vs = [];
      for (const x of xs)
        if (x.c !== undefined) acc = fn(acc, x.c);
        else vs.push(x);
      if (acc !== k.zero || vs.length === 0) vs.push(C(acc));
      let e = emit(vs[0]);
      for (const v of vs.slice(1)) e = [...e, ...emit(v), ...bin[name]];
      return vs.length === 1 ? vs[0] : { e };
    };
  const add = fold('add', k.add);
  const xor = fold('xor', (a, b) => a ^ b);
  const and = (a, b) => (isC(a, b) ? C(a.c & b.c) : { e: [...emit(a), ...emit(b), ...bin.and] });
  const or = (a, b) => (isC(a, b) ? C(a.c | b.c) : { e: [...emit(a), ...emit(b), ...bin.or] });
  const shr = (a, n) => (isC(a) ? C(k.shr(a.c, n)) : { e: [...emit(a), ...shiftCount(n), ...bin.shr] });
  const shl = (a, n) => (isC(a) ? C(k.shl(a.c, n)) : { e: [...emit(a), ...shiftCount(n), ...bin.shl] });
  // A rotation is two shifts and an or, never WebAssembly's rotl: V8's baseline compiler
  // (Liftoff, which runs a function's first calls) made each i32.rotl a call into C
  // (word32_rol_wrapper, seen under callgrind), so a cold SHA-256 step took 2.1 us against
  // 0.35 us this way, SHA-1 0.85 against 0.14. The optimised code makes the pattern one rotate
  // again: warm speed is the same.
  const rotl = (a, n) => {
    if (isC(a)) return C(k.rotl(a.c, n));
    if (a.e) a = set(a);
    return { e: [...emit(a), ...shiftCount(n), ...bin.shl, ...emit(a), ...shiftCount(bits - n), ...bin.shr, ...bin.or] };
  };
  const rotr = (a, n) => rotl(a, bits - n);
  /** Ch(x, y, z) = (x & y) | (~x & z). */
  const ch = (x, y, z) => {
    if (isC(x, y, z)) return C((x.c & y.c) | (~x.c & z.c));
    return xor(z, and(x, xor(y, z)));
  };
  /** Maj(x, y, z): y where x and y agree, else z. */
  const maj = (x, y, z) => {
    if (isC(x, y, z)) return C((x.c & y.c) | (x.c & z.c) | (y.c & z.c));
    return or(and(x, y), and(z, or(x, y)));
  };
  /** Gives `v` a local (`slot`, or a new one); constants and locals stay as they are. */
  const set = (v, slot) => {
    if (v.c !== undefined || (v.l !== undefined && slot === undefined)) return v;
    const l = slot ?? local();
    if (v.l !== l) code.push(...emit(v), ...op.localSet(l));
    return { l };
  };
  const load = (offset) => {
    const l = local();
    code.push(...op.i32const(0), ...(wide ? [0x29] : [0x28]), wide ? 3 : 2, ...uleb(offset), ...op.localSet(l));
    return { l };
  };
  const store = (offset, v) => code.push(...op.i32const(0), ...emit(v), ...(wide ? [0x37] : [0x36]), wide ? 3 : 2, ...uleb(offset));
  /** `count` times: state ← step(state); the state lives in locals between steps. */
  const repeat = (state, step) => {
    code.push(0x02, 0x40, 0x03, 0x40); // block, loop
    code.push(...op.localGet(0), 0x45, 0x0d, 1); // count == 0: leave
    const next = step(state);
    for (let j = 0; j < state.length; j++) code.push(...emit(next[j]), ...op.localSet(state[j].l));
    code.push(...op.localGet(0), ...op.i32const(1), 0x6b, ...op.localSet(0)); // count -= 1
    code.push(0x0c, 0, 0x0b, 0x0b); // br loop, end, end
  };
  const body = () => {
    const groups = [];
    for (const t of locals) {
      if (groups.length && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    const b = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...code, 0x0b];
    return [...uleb(b.length), ...b];
  };
  return { C, add, xor, and, or, shr, shl, rotl, rotr, ch, maj, set, load, store, repeat, body, local };
}

// ---- SHA-1 ----
const SHA1_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
/** One SHA-1 compression of the 20-byte digest in `h` (5 values), from the IV. */
function sha1Step(b, h, slots) {
  const { W, V, x } = slots;
  const w = [...h, b.C(0x80000000), ...Array(9).fill(b.C(0)), b.C(160)];
  // v[k] holds the working variable whose slot is V[k]; round i: a = v[-i mod 5], ..., e = v[4 - i mod 5].
  const v = SHA1_IV.map(b.C);
  const at = (k, i) => (((k - i) % 5) + 5) % 5;
  for (let i = 0; i < 80; i++) {
    if (i >= 16) w[i & 15] = b.set(b.rotl(b.set(b.xor(w[(i + 13) & 15], w[(i + 8) & 15], w[(i + 2) & 15], w[i & 15]), x), 1), W[i & 15]);
    const [ia, ib, ic, id, ie] = [0, 1, 2, 3, 4].map((k) => at(k, i));
    const f = i < 20 ? b.ch(v[ib], v[ic], v[id]) : i >= 40 && i < 60 ? b.maj(v[ib], v[ic], v[id]) : b.xor(v[ib], v[ic], v[id]);
    const K = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
    // The new a takes e's slot; b is rotated in place.
    v[ie] = b.set(b.add(b.add(v[ie], b.C(K), w[i & 15], f), b.rotl(v[ia], 5)), V[ie]);
    v[ib] = b.set(b.rotl(v[ib], 30), V[ib]);
  }
  // 80 rounds: the variables are back in their first slots.
  return v.map((val, j) => b.add(b.C(SHA1_IV[j]), val));
}

// ---- SHA-2 ----
// The constants (FIPS 180-4 sections 4.2 and 5.3): the fractional parts of the cube roots of the
// first 80 primes (round constants) and of the square roots of the first 8 (SHA-512, SHA-256) and
// the next 8 (SHA-384, SHA-224) primes; SHA-512 and SHA-384 take 64 bits of each, SHA-256 the
// first 32 of the same, SHA-224 the second 32. Computed here with integer roots; the tests check
// every kernel against node:crypto.
const primes = [];
for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
/** floor(x^(1/k)) for a BigInt x (Newton's method). */
const iroot = (x, k) => {
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / Number(k)) + 1);
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) return r;
    r = next;
  }
};
const frac64 = (p, k) => BigInt.asIntN(64, iroot(BigInt(p) << (64n * k), k));
const high32 = (x) => Number(BigInt.asIntN(32, x >> 32n));
const low32 = (x) => Number(BigInt.asIntN(32, x));
const K512 = primes.map((p) => frac64(p, 3n));
const SHA512_IV = primes.slice(0, 8).map((p) => frac64(p, 2n));
const SHA384_IV = primes.slice(8, 16).map((p) => frac64(p, 2n));
const K256 = K512.slice(0, 64).map(high32);
const SHA256_IV = SHA512_IV.map(high32);
const SHA224_IV = SHA384_IV.map(low32);
/** The SHA-2 functions by word size (FIPS 180-4 sections 4.1.2 and 4.1.3). */
const SHA256 = { K: K256, rounds: 64, S0: [2, 13, 22], S1: [6, 11, 25], s0: [7, 18, 3], s1: [17, 19, 10], top: 0x80000000, wordBits: 32 };
const SHA512 = { K: K512, rounds: 80, S0: [28, 34, 39], S1: [14, 18, 41], s0: [1, 8, 7], s1: [19, 61, 6], top: -(1n << 63n), wordBits: 64 };

/** One SHA-2 compression (`sha`: SHA256 or SHA512) of the digest in `h` (as many words as it has), from `iv`. */
function sha2Step(b, h, slots, iv, sha) {
  const { W, V, x } = slots;
  const words = h.length;
  const w = [...h, b.C(sha.top)];
  while (w.length < 15) w.push(b.C(0));
  w.push(b.C(words * sha.wordBits));
  // v[k] holds the variable whose slot is V[k]; round i: a = v[-i mod 8], ..., h = v[7 - i mod 8].
  const v = iv.map(b.C);
  const at = (k, i) => (((k - i) % 8) + 8) % 8;
  const sum3 = (y, [r1, r2, r3]) => b.xor(b.rotr(y, r1), b.rotr(y, r2), b.rotr(y, r3));
  const sig = (y, [r1, r2, s]) => b.xor(b.rotr(y, r1), b.rotr(y, r2), b.shr(y, s));
  for (let i = 0; i < sha.rounds; i++) {
    if (i >= 16) w[i & 15] = b.set(b.add(w[i & 15], w[(i + 9) & 15], sig(w[(i + 1) & 15], sha.s0), sig(w[(i + 14) & 15], sha.s1)), W[i & 15]);
    const [ia, ib, ic, id, ie, iff, ig, ih] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => at(k, i));
    const t1 = b.set(b.add(b.add(v[ih], b.C(sha.K[i]), w[i & 15], b.ch(v[ie], v[iff], v[ig])), sum3(v[ie], sha.S1)), x);
    // The new e takes d's slot, the new a takes h's.
    v[id] = b.set(b.add(v[id], t1), V[id]);
    v[ih] = b.set(b.add(sum3(v[ia], sha.S0), b.maj(v[ia], v[ib], v[ic]), t1), V[ih]);
  }
  // 64 or 80 rounds (multiples of 8): the variables are back in their first slots.
  return v.slice(0, words).map((val, j) => b.add(b.C(iv[j]), val));
}

/** A function `(count: i32) => void` that repeats `step` on `words` state words at offset 0. */
function fn(kind, words, step) {
  const b = builder(kind);
  const size = kind === 'i64' ? 8 : 4;
  const state = Array.from({ length: words }, (_, j) => b.load(j * size));
  // A fixed set of locals, reused round after round (as many as the JavaScript version had), not
  // a new one for every value: fewer stack slots for V8's baseline compiler (Liftoff, which runs a
  // function's first calls) and smaller modules (all five 22,119 -> 19,742 bytes). The optimised
  // code runs at the same speed either way. Liftoff's is 2-3 times slower than the optimised
  // code (with the rotations above), which iterate.ts's short first calls deal with.
  const slots = { W: Array.from({ length: 16 }, () => b.local()), V: Array.from({ length: 8 }, () => b.local()), x: b.local() };
  b.repeat(state, (h) => step(b, h, slots));
  for (const [j, v] of state.entries()) b.store(j * size, v);
  return b.body();
}

function module(functions) {
  const names = Object.keys(functions);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec([[0x60, ...vec([I32]), ...vec([])]])), // (i32) -> ()
    ...section(3, vec(names.map(() => [0]))),
    ...section(5, vec([[0, 1]])), // one page
    ...section(7, vec([[...name('memory'), 2, 0], ...names.map((n, i) => [...name(n), 0, i])])),
    ...section(10, vec(names.map((n) => functions[n]))),
  ]);
}

// One module a digest, so that a read compiles only the kernel it runs (V8 compiles a module's
// every function when it is made: all five took about 0.5 ms of a cold read, SHA-256 alone 0.1).
const kernels = {
  sha1: fn('i32', 5, sha1Step),
  sha224: fn('i32', 7, (b, h, slots) => sha2Step(b, h, slots, SHA224_IV, SHA256)),
  sha256: fn('i32', 8, (b, h, slots) => sha2Step(b, h, slots, SHA256_IV, SHA256)),
  sha384: fn('i64', 6, (b, h, slots) => sha2Step(b, h, slots, SHA384_IV, SHA512)),
  sha512: fn('i64', 8, (b, h, slots) => sha2Step(b, h, slots, SHA512_IV, SHA512)),
};

const b64 = (bytes) =>
  Buffer.from(bytes)
    .toString('base64')
    .replace(/.{1,100}/g, (s) => `    '${s}' +\n`)
    .replace(/ \+\n$/, ',\n');
process.stdout.write(`// Generated by scripts/gen-sha.mjs (npm run generate): do not edit. See that script for what these are and why.

/**
 * A WebAssembly module a digest, as base64, exporting \`memory\` and \`repeat(count)\`: the digest at
 * offset 0 of \`memory\` (32-bit words, or 64-bit for SHA-384/512, little-endian), hashed \`count\` times.
 */
export const KERNEL_WASM: Readonly<Record<string, string>> = {
${Object.entries(kernels)
  .map(([name, body]) => `  ${name}:\n${b64(module({ repeat: body }))}`)
  .join('')}};

/** SHA-256's round constants and initial value, and SHA-224's (the compact JavaScript loops use them). */
export const SHA256_K = Int32Array.from([${K256.join(', ')}]);
export const SHA256_IV = Int32Array.from([${SHA256_IV.join(', ')}]);
export const SHA224_IV = Int32Array.from([${SHA224_IV.join(', ')}]);
`);
