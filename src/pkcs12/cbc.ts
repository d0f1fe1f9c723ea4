/** CBC chaining around a 64-bit block cipher (RC2, CAST5), for writing test vectors and files. */

/** CBC encryption without padding of `data`, a whole number of 8-byte blocks; `encryptBlock` works in place at an offset. */
export function cbcEncrypt8(encryptBlock: (out: Uint8Array, off: number) => void, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const out = Uint8Array.from(data);
  let prev: Uint8Array = iv;
  for (let off = 0; off < out.length; off += 8) {
    for (let j = 0; j < 8; j++) out[off + j]! ^= prev[j]!;
    encryptBlock(out, off);
    prev = out.subarray(off, off + 8);
  }
  return out;
}
