/**
 * DER writing: small constructors for the PKCS#12 structures the writer emits, each returning the
 * element's encoding (tag, definite length, contents). SET OF is sorted by encoding, as DER
 * requires. Our own, rather than asn1js: loading asn1js and @peculiar/utils (27 modules) cost more
 * start-up than everything else `import('pfxkit')` loads, for a dozen constructors.
 */

/** An encoded element (DER bytes). */
export type Enc = Uint8Array;

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** An element with tag byte `tag` (low tag numbers only: all this writer needs). */
function tlv(tag: number, ...contents: Uint8Array[]): Enc {
  const size = contents.reduce((n, c) => n + c.length, 0);
  const head = [tag, ...length(size)];
  const out = new Uint8Array(head.length + size);
  out.set(head, 0);
  let at = head.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Base-128 digits of a non-negative integer, most significant first, high bit set on all but the last. */
function base128(n: number): number[] {
  const out = [n % 128];
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) out.unshift(0x80 | (v % 128));
  return out;
}

export const seq = (...v: Enc[]): Enc => tlv(0x30, ...v);

export const oid = (s: string): Enc => {
  const arcs = s.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new TypeError(`not an OID: ${s}`);
  const body = [...base128(arcs[0]! * 40 + arcs[1]!), ...arcs.slice(2).flatMap(base128)];
  return tlv(0x06, Uint8Array.from(body));
};

/** INTEGER: the shortest two's complement encoding of a safe integer. */
export const int = (n: number): Enc => {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a safe integer: ${n}`);
  let v = BigInt(n);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (!(v === 0n && (bytes[0]! & 0x80) === 0) && !(v === -1n && (bytes[0]! & 0x80) !== 0));
  return tlv(0x02, Uint8Array.from(bytes));
};

export const octets = (b: Uint8Array): Enc => tlv(0x04, b);
export const nul = (): Enc => tlv(0x05);

/** BMPString: UTF-16 code units, big-endian. */
export const bmp = (s: string): Enc => {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 * i] = u >> 8;
    out[2 * i + 1] = u & 0xff;
  }
  return tlv(0x1e, out);
};

/** `[n] EXPLICIT inner`. */
export const explicit = (n: number, inner: Enc): Enc => tlv(0xa0 | n, inner);
/** `[n] IMPLICIT OCTET STRING`. */
export const implicitOctets = (n: number, bytes: Uint8Array): Enc => tlv(0x80 | n, bytes);
export const encode = (e: Enc): Uint8Array => e;

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** SET OF, elements sorted by their DER encodings. */
export const setOf = (...v: Enc[]): Enc => tlv(0x31, ...v.slice().sort(compare));

/** AlgorithmIdentifier with optional parameters. */
export const algorithm = (id: string, params?: Enc): Enc => (params ? seq(oid(id), params) : seq(oid(id)));
