/**
 * RC2 (RFC 2268) in CBC mode, decryption and encryption. Node's OpenSSL 3 has no RC2 without the
 * legacy provider, and RC2-40 is what most legacy PKCS#12 files encrypt their certificates with.
 */
import { cbcEncrypt8 } from './cbc.js';

// PITABLE of RFC 2268 section 2: a permutation of 0..255 derived from the digits of pi.
const PITABLE = Uint8Array.from(
  Buffer.from(
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
      'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
      '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
      '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
      '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
      'c5f3db47e5a59c770aa62068fe7fc1ad',
    'hex',
  ),
);

/** Exposed for the tests, which check that it is a permutation. */
export const RC2_PITABLE: Readonly<Uint8Array> = PITABLE;

/** Key expansion (RFC 2268 section 2): 64 16-bit subkeys from `key` with `effectiveBits` effective bits. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const T = key.length;
  if (T < 1 || T > 128) throw new RangeError('RC2 key must be 1 to 128 bytes');
  if (effectiveBits < 1 || effectiveBits > 1024) throw new RangeError('RC2 effective key bits must be 1 to 1024');
  const L = new Uint8Array(128);
  L.set(key);
  for (let i = T; i < 128; i++) L[i] = PITABLE[(L[i - 1]! + L[i - T]!) & 0xff]!;
  const T8 = Math.floor((effectiveBits + 7) / 8);
  const TM = 0xff % (1 << (8 + effectiveBits - 8 * T8));
  L[128 - T8] = PITABLE[L[128 - T8]! & TM]!;
  for (let i = 127 - T8; i >= 0; i--) L[i] = PITABLE[L[i + 1]! ^ L[i + T8]!]!;
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = L[2 * i]! | (L[2 * i + 1]! << 8);
  return K;
}

const rol = (x: number, s: number): number => ((x << s) | (x >>> (16 - s))) & 0xffff;
const ror = (x: number, s: number): number => ((x >>> s) | (x << (16 - s))) & 0xffff;
const S = [1, 2, 3, 5] as const;

/** Encrypts one 8-byte block in place (little-endian words, RFC 2268 section 3). */
export function rc2EncryptBlock(K: Uint16Array, block: Uint8Array, off = 0): void {
  const R = [0, 1, 2, 3].map((i) => block[off + 2 * i]! | (block[off + 2 * i + 1]! << 8));
  let j = 0;
  const mix = (): void => {
    for (let i = 0; i < 4; i++) {
      R[i] = (R[i]! + K[j]! + (R[(i + 3) % 4]! & R[(i + 2) % 4]!) + (~R[(i + 3) % 4]! & R[(i + 1) % 4]!)) & 0xffff;
      j++;
      R[i] = rol(R[i]!, S[i]!);
    }
  };
  const mash = (): void => {
    for (let i = 0; i < 4; i++) R[i] = (R[i]! + K[R[(i + 3) % 4]! & 63]!) & 0xffff;
  };
  for (let r = 0; r < 5; r++) mix();
  mash();
  for (let r = 0; r < 6; r++) mix();
  mash();
  for (let r = 0; r < 5; r++) mix();
  for (let i = 0; i < 4; i++) {
    block[off + 2 * i] = R[i]! & 0xff;
    block[off + 2 * i + 1] = R[i]! >> 8;
  }
}

/** Decrypts one 8-byte block in place. */
export function rc2DecryptBlock(K: Uint16Array, block: Uint8Array, off = 0): void {
  const R = [0, 1, 2, 3].map((i) => block[off + 2 * i]! | (block[off + 2 * i + 1]! << 8));
  let j = 63;
  const rmix = (): void => {
    for (let i = 3; i >= 0; i--) {
      R[i] = ror(R[i]!, S[i]!);
      R[i] = (R[i]! - K[j]! - (R[(i + 3) % 4]! & R[(i + 2) % 4]!) - (~R[(i + 3) % 4]! & R[(i + 1) % 4]!)) & 0xffff;
      j--;
    }
  };
  const rmash = (): void => {
    for (let i = 3; i >= 0; i--) R[i] = (R[i]! - K[R[(i + 3) % 4]! & 63]!) & 0xffff;
  };
  for (let r = 0; r < 5; r++) rmix();
  rmash();
  for (let r = 0; r < 6; r++) rmix();
  rmash();
  for (let r = 0; r < 5; r++) rmix();
  for (let i = 0; i < 4; i++) {
    block[off + 2 * i] = R[i]! & 0xff;
    block[off + 2 * i + 1] = R[i]! >> 8;
  }
}

/**
 * RC2-CBC decryption without padding removal; `data.length` must be a multiple of 8. The rounds of
 * rc2DecryptBlock with the four words in locals (an array and closures per block made a legacy
 * file's certificate safe cost 78 us).
 */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % 8 !== 0) throw new RangeError('RC2-CBC ciphertext is not a whole number of blocks');
  if (iv.length !== 8) throw new RangeError('RC2-CBC IV must be 8 bytes');
  const K = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  let p0 = iv[0]! | (iv[1]! << 8),
    p1 = iv[2]! | (iv[3]! << 8),
    p2 = iv[4]! | (iv[5]! << 8),
    p3 = iv[6]! | (iv[7]! << 8);
  for (let off = 0; off < data.length; off += 8) {
    const c0 = data[off]! | (data[off + 1]! << 8),
      c1 = data[off + 2]! | (data[off + 3]! << 8);
    const c2 = data[off + 4]! | (data[off + 5]! << 8),
      c3 = data[off + 6]! | (data[off + 7]! << 8);
    let r0 = c0,
      r1 = c1,
      r2 = c2,
      r3 = c3;
    // 5 r-mixing rounds, r-mashing, 6 r-mixing, r-mashing, 5 r-mixing (RFC 2268 section 4.1).
    for (let round = 0, j = 63; round < 16; round++) {
      if (round === 5 || round === 11) {
        r3 = (r3 - K[r2 & 63]!) & 0xffff;
        r2 = (r2 - K[r1 & 63]!) & 0xffff;
        r1 = (r1 - K[r0 & 63]!) & 0xffff;
        r0 = (r0 - K[r3 & 63]!) & 0xffff;
      }
      r3 = ((r3 >>> 5) | (r3 << 11)) & 0xffff;
      r3 = (r3 - K[j--]! - (r2 & r1) - (~r2 & r0)) & 0xffff;
      r2 = ((r2 >>> 3) | (r2 << 13)) & 0xffff;
      r2 = (r2 - K[j--]! - (r1 & r0) - (~r1 & r3)) & 0xffff;
      r1 = ((r1 >>> 2) | (r1 << 14)) & 0xffff;
      r1 = (r1 - K[j--]! - (r0 & r3) - (~r0 & r2)) & 0xffff;
      r0 = ((r0 >>> 1) | (r0 << 15)) & 0xffff;
      r0 = (r0 - K[j--]! - (r3 & r2) - (~r3 & r1)) & 0xffff;
    }
    r0 ^= p0;
    r1 ^= p1;
    r2 ^= p2;
    r3 ^= p3;
    out[off] = r0 & 0xff;
    out[off + 1] = r0 >>> 8;
    out[off + 2] = r1 & 0xff;
    out[off + 3] = r1 >>> 8;
    out[off + 4] = r2 & 0xff;
    out[off + 5] = r2 >>> 8;
    out[off + 6] = r3 & 0xff;
    out[off + 7] = r3 >>> 8;
    p0 = c0;
    p1 = c1;
    p2 = c2;
    p3 = c3;
  }
  return out;
}

/** RC2-CBC encryption without padding; `data.length` must be a multiple of 8. */
export function rc2CbcEncrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % 8 !== 0) throw new RangeError('RC2-CBC plaintext is not a whole number of blocks');
  if (iv.length !== 8) throw new RangeError('RC2-CBC IV must be 8 bytes');
  const K = rc2ExpandKey(key, effectiveBits);
  return cbcEncrypt8((out, off) => rc2EncryptBlock(K, out, off), iv, data);
}

/** RC4 (the stream cipher of pbeWithSHAAnd128BitRC4 / 40BitRC4); encryption and decryption are one. */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const S = new Uint8Array(256);
  for (let i = 0; i < 256; i++) S[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i]! + key[i % key.length]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + S[i]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
    out[n] = data[n]! ^ S[(S[i]! + S[j]!) & 0xff]!;
  }
  return out;
}
