/**
 * DER writing on asn1js: small constructors for the PKCS#12 structures the writer emits. SET OF
 * is sorted by encoding, as DER requires.
 */
import * as asn1js from 'asn1js';

export type Enc = asn1js.BaseBlock;

const toBlocks = (v: Enc[]): asn1js.BaseBlock[] => v;

export const seq = (...v: Enc[]): Enc => new asn1js.Sequence({ value: toBlocks(v) });
export const oid = (s: string): Enc => new asn1js.ObjectIdentifier({ value: s });
export const int = (n: number): Enc => new asn1js.Integer({ value: n });
export const octets = (b: Uint8Array): Enc => new asn1js.OctetString({ valueHex: b });
export const nul = (): Enc => new asn1js.Null();
export const bmp = (s: string): Enc => new asn1js.BmpString({ value: s });
/** `[n] EXPLICIT inner`. */
export const explicit = (n: number, inner: Enc): Enc =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: n }, value: toBlocks([inner]) });
/** `[n] IMPLICIT OCTET STRING`. */
export const implicitOctets = (n: number, bytes: Uint8Array): Enc =>
  new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: n }, valueHex: bytes });
export const encode = (e: Enc): Uint8Array => new Uint8Array(e.toBER(false));

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** SET OF, elements sorted by their DER encodings. */
export const setOf = (...v: Enc[]): Enc => {
  const sorted = v.map((e) => ({ e, der: encode(e) })).sort((a, b) => compare(a.der, b.der));
  return new asn1js.Set({ value: toBlocks(sorted.map((x) => x.e)) });
};

/** AlgorithmIdentifier with optional parameters. */
export const algorithm = (id: string, params?: Enc): Enc => (params ? seq(oid(id), params) : seq(oid(id)));
