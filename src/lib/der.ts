/**
 * A thin, typed reading layer over asn1js's BER decoder. Every structural surprise becomes a
 * `MALFORMED` PfxkitError naming what was expected, so the PKCS#12 walker never sees an
 * untyped node or a raw exception. BER forms that real producers write are accepted:
 * indefinite lengths (NSS, Java) and constructed OCTET STRINGs (NSS).
 */
import * as asn1js from 'asn1js';
import { PfxkitError } from '../errors.js';

export type Node = asn1js.AsnType;

const UNIVERSAL = 1;
const CONTEXT = 3;

export const TAG = {
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  BMP_STRING: 30,
} as const;

/** Decoding limits: a PKCS#12 file nests a dozen levels deep at most. */
const MAX_DEPTH = 64;

function malformed(message: string, cause?: unknown): PfxkitError {
  return new PfxkitError('MALFORMED', message, cause === undefined ? undefined : { cause });
}

/**
 * Decodes one BER element that must fill `bytes` (trailing bytes are refused, except for the
 * outermost PFX where `allowTrailing` lets the caller decide).
 */
export function decode(bytes: Uint8Array, what: string, allowTrailing = false): { node: Node; end: number } {
  if (bytes.length === 0) throw malformed(`${what}: empty input`);
  let result: ReturnType<typeof asn1js.fromBER>;
  try {
    result = asn1js.fromBER(bytes, { maxDepth: MAX_DEPTH, parseEmbedded: false });
  } catch (err) {
    throw malformed(`${what}: not valid DER/BER`, err);
  }
  if (result.offset === -1) {
    const detail = (result.result as { error?: string }).error;
    throw malformed(`${what}: not valid DER/BER${detail ? ` (${detail.replace(/\.$/, '')})` : ''}`);
  }
  if (!allowTrailing && result.offset !== bytes.length) {
    throw malformed(`${what}: ${bytes.length - result.offset} unexpected bytes after the encoded value`);
  }
  checkNoErrors(result.result, what);
  return { node: result.result, end: result.offset };
}

/** asn1js records some decoding problems as `error` strings on inner blocks instead of failing. */
function checkNoErrors(node: Node, what: string, depth = 0): void {
  const n = node as unknown as {
    error?: string;
    idBlock?: { error?: string };
    lenBlock?: { error?: string };
    valueBlock?: { error?: string; value?: unknown };
  };
  const err = n.error || n.idBlock?.error || n.lenBlock?.error || n.valueBlock?.error;
  if (err) throw malformed(`${what}: not valid DER/BER (${err.replace(/\.$/, '')})`);
  const children = n.valueBlock?.value;
  if (Array.isArray(children) && depth < MAX_DEPTH) {
    for (const c of children) checkNoErrors(c as Node, what, depth + 1);
  }
}

function tagOf(node: Node): { cls: number; num: number; constructed: boolean } {
  const id = (node as unknown as { idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean } }).idBlock;
  return { cls: id.tagClass, num: id.tagNumber, constructed: id.isConstructed };
}

function children(node: Node): Node[] {
  const v = (node as unknown as { valueBlock: { value?: unknown } }).valueBlock.value;
  return Array.isArray(v) ? (v as Node[]).filter((c) => !(c instanceof asn1js.EndOfContent)) : [];
}

function describe(node: Node): string {
  const t = tagOf(node);
  if (t.cls === UNIVERSAL) {
    const names: Record<number, string> = {
      1: 'BOOLEAN', 2: 'INTEGER', 3: 'BIT STRING', 4: 'OCTET STRING', 5: 'NULL', 6: 'OBJECT IDENTIFIER',
      12: 'UTF8String', 16: 'SEQUENCE', 17: 'SET', 19: 'PrintableString', 22: 'IA5String', 30: 'BMPString',
    };
    return names[t.num] ?? `universal tag ${t.num}`;
  }
  return `${t.cls === CONTEXT ? 'context' : t.cls === 2 ? 'application' : 'private'} tag [${t.num}]`;
}

function expectUniversal(node: Node | undefined, num: number, constructed: boolean | null, what: string): Node {
  if (!node) throw malformed(`${what}: missing`);
  const t = tagOf(node);
  if (t.cls !== UNIVERSAL || t.num !== num || (constructed !== null && t.constructed !== constructed)) {
    const want = Object.entries(TAG).find(([, v]) => v === num)?.[0].replace('_', ' ') ?? `tag ${num}`;
    throw malformed(`${what}: expected ${want}, found ${describe(node)}`);
  }
  return node;
}

/** The elements of a SEQUENCE. */
export function seq(node: Node | undefined, what: string, min = 0): Node[] {
  const items = children(expectUniversal(node, TAG.SEQUENCE, true, what));
  if (items.length < min) throw malformed(`${what}: expected at least ${min} elements, found ${items.length}`);
  return items;
}

/** The elements of a SET. */
export function set(node: Node | undefined, what: string): Node[] {
  return children(expectUniversal(node, TAG.SET, true, what));
}

/** The dotted form of an OBJECT IDENTIFIER. */
export function oid(node: Node | undefined, what: string): string {
  const n = expectUniversal(node, TAG.OID, false, what) as asn1js.ObjectIdentifier;
  const s = n.valueBlock.toString();
  if (!/^\d+(\.\d+)+$/.test(s)) throw malformed(`${what}: invalid OBJECT IDENTIFIER`);
  return s;
}

function concatOctets(node: Node, what: string, depth: number): Uint8Array[] {
  const t = tagOf(node);
  if (!t.constructed) {
    return [new Uint8Array((node as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView)];
  }
  if (depth > 8) throw malformed(`${what}: constructed OCTET STRING nested too deeply`);
  const parts: Uint8Array[] = [];
  for (const c of children(node)) {
    expectUniversal(c, TAG.OCTET_STRING, null, `${what} (segment)`);
    parts.push(...concatOctets(c, what, depth + 1));
  }
  return parts;
}

function joinParts(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The content of an OCTET STRING, primitive or constructed (BER segments are joined). */
export function octets(node: Node | undefined, what: string): Uint8Array {
  const n = expectUniversal(node, TAG.OCTET_STRING, null, what);
  return joinParts(concatOctets(n, what, 0));
}

/** The content of a `[n] IMPLICIT OCTET STRING`, primitive or constructed. */
export function implicitOctets(node: Node | undefined, num: number, what: string): Uint8Array {
  if (!node) throw malformed(`${what}: missing`);
  const t = tagOf(node);
  if (t.cls !== CONTEXT || t.num !== num) throw malformed(`${what}: expected [${num}], found ${describe(node)}`);
  return joinParts(concatOctets(node, what, 0));
}

/** The single element inside a `[n] EXPLICIT` wrapper. */
export function explicit(node: Node | undefined, num: number, what: string): Node {
  if (!node) throw malformed(`${what}: missing`);
  const t = tagOf(node);
  if (t.cls !== CONTEXT || t.num !== num || !t.constructed) {
    throw malformed(`${what}: expected [${num}] EXPLICIT, found ${describe(node)}`);
  }
  const inner = children(node);
  if (inner.length !== 1) throw malformed(`${what}: expected one element inside [${num}], found ${inner.length}`);
  return inner[0]!;
}

/** True when `node` is a context-specific tag `[num]`. */
export function isContext(node: Node | undefined, num: number): boolean {
  if (!node) return false;
  const t = tagOf(node);
  return t.cls === CONTEXT && t.num === num;
}

/** True when `node` is a universal tag `num`. */
export function isUniversal(node: Node | undefined, num: number): boolean {
  if (!node) return false;
  const t = tagOf(node);
  return t.cls === UNIVERSAL && t.num === num;
}

/** An INTEGER as a bigint (two's complement). */
export function bigInt(node: Node | undefined, what: string): bigint {
  const n = expectUniversal(node, TAG.INTEGER, false, what) as asn1js.Integer;
  const bytes = n.valueBlock.valueHexView;
  if (bytes.length === 0) throw malformed(`${what}: empty INTEGER`);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/**
 * An INTEGER that must be a count in [min, max]; values past `Number.MAX_SAFE_INTEGER` are
 * reported as such instead of being rounded.
 */
export function count(node: Node | undefined, what: string, min = 1): bigint {
  const v = bigInt(node, what);
  if (v < BigInt(min)) throw malformed(`${what}: ${v} is not a valid count`);
  return v;
}

/** The parsed BMPString content (big-endian UTF-16). */
export function bmpString(node: Node | undefined, what: string): string {
  const n = expectUniversal(node, TAG.BMP_STRING, null, what);
  const bytes = joinParts(concatOctets(n, what, 0));
  if (bytes.length % 2 !== 0) throw malformed(`${what}: BMPString of odd length`);
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return s.replace(/\u0000+$/, '');
}

/** The string value of a UTF8String, BMPString, PrintableString or IA5String. */
export function anyString(node: Node | undefined, what: string): string {
  if (isUniversal(node, TAG.BMP_STRING)) return bmpString(node, what);
  if (!node) throw malformed(`${what}: missing`);
  const t = tagOf(node);
  if (t.cls === UNIVERSAL && [12, 19, 22, 26].includes(t.num) && !t.constructed) {
    const bytes = (node as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }
  throw malformed(`${what}: expected a string, found ${describe(node)}`);
}

/** The encoded bytes of a node as they appeared in the input. */
export function rawBytes(node: Node): Uint8Array {
  const view = (node as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView;
  return new Uint8Array(view);
}

/** An AlgorithmIdentifier: the OID and the (optional) parameters node. */
export function algorithm(node: Node | undefined, what: string): { oid: string; params: Node | undefined } {
  const items = seq(node, what, 1);
  const params = items[1];
  return { oid: oid(items[0], `${what} algorithm`), params: params && !isUniversal(params, TAG.NULL) ? params : undefined };
}

/** The tag of a node: class (1 universal, 2 application, 3 context, 4 private), number, constructed. */
export function tag(node: Node): { cls: number; num: number; constructed: boolean } {
  return tagOf(node);
}

/** The content bytes of a primitive node (of any tag). */
export function content(node: Node | undefined, what: string): Uint8Array {
  if (!node) throw malformed(`${what}: missing`);
  if (tagOf(node).constructed) return joinParts(concatOctets(node, what, 0));
  return new Uint8Array((node as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView);
}

/** The bits of a BIT STRING (whole bytes; the unused-bits count must be 0 unless `allowUnused`). */
export function bitString(node: Node | undefined, what: string, allowUnused = false): Uint8Array {
  const n = expectUniversal(node, TAG.BIT_STRING, false, what);
  const bytes = (n as unknown as { valueBlock: { valueHexView: Uint8Array; unusedBits: number } }).valueBlock;
  if (bytes.unusedBits && !allowUnused) throw malformed(`${what}: BIT STRING with unused bits`);
  return new Uint8Array(bytes.valueHexView);
}

/** The unsigned magnitude of an INTEGER's content (leading zero bytes removed). */
export function unsigned(node: Node | undefined, what: string): Uint8Array {
  const n = expectUniversal(node, TAG.INTEGER, false, what) as asn1js.Integer;
  const b = n.valueBlock.valueHexView;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return new Uint8Array(b.subarray(i));
}

/** Children of any constructed node. */
export function items(node: Node | undefined, what: string): Node[] {
  if (!node) throw malformed(`${what}: missing`);
  if (!tagOf(node).constructed) throw malformed(`${what}: expected a constructed value, found ${describe(node)}`);
  return children(node);
}
