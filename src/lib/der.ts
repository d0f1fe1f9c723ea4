/**
 * A small BER reader for the structures PKCS#12 and X.509 use, with every structural surprise a
 * `MALFORMED` PfxkitError that says what was expected. BER forms that real producers write are
 * accepted: indefinite lengths (NSS, Java) and constructed OCTET STRINGs (NSS).
 *
 * Why not asn1js here: a profile of a read showed asn1js's generic block objects (type checks,
 * allocations, garbage collection) costing more than all the cryptography of a typical bundle. A
 * node here is four numbers over the input; limits on depth, node count and lengths keep hostile
 * input cheap. (asn1js still builds what the writer emits.)
 */
import { PfxkitError } from '../errors.js';

export interface Node {
  /** 1 universal, 2 application, 3 context-specific, 4 private. */
  readonly cls: number;
  readonly num: number;
  readonly constructed: boolean;
  /** The input the node was read from. */
  readonly bytes: Uint8Array;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Content [contentStart, contentEnd); `end` is past the whole element (after an EOC if indefinite). */
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly end: number;
  readonly children: readonly Node[];
}

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

const UNIVERSAL = 1;
const CONTEXT = 3;
const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

function malformed(message: string, cause?: unknown): PfxkitError {
  return new PfxkitError('MALFORMED', message, cause === undefined ? undefined : { cause });
}

class Reader {
  nodes = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  fail(reason: string): never {
    throw malformed(`${this.what}: not valid DER/BER (${reason})`);
  }

  /** Reads one element at `pos` that must end by `limit`. */
  read(pos: number, limit: number, depth: number): Node {
    const b = this.bytes;
    if (++this.nodes > MAX_NODES) this.fail('too many elements');
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    if (pos >= limit) this.fail('end of input inside an element');
    const start = pos;
    const id = b[pos++]!;
    const cls = (id >> 6) + 1;
    const constructed = (id & 0x20) !== 0;
    let num = id & 0x1f;
    if (num === 0x1f) {
      num = 0;
      for (let i = 0; ; i++) {
        if (pos >= limit) this.fail('end of input in a tag');
        if (i >= 4) this.fail('tag number too large');
        const x = b[pos++]!;
        num = num * 128 + (x & 0x7f);
        if (!(x & 0x80)) break;
      }
    }
    if (pos >= limit) this.fail('end of input before a length');
    const first = b[pos++]!;
    let length = -1;
    if (first < 0x80) length = first;
    else if (first !== 0x80) {
      const n = first & 0x7f;
      if (n > 4) this.fail('length too large');
      if (pos + n > limit) this.fail('end of input in a length');
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + b[pos++]!;
    }
    const contentStart = pos;
    if (length >= 0) {
      const contentEnd = contentStart + length;
      if (contentEnd > limit) this.fail('a length runs past the end of the input');
      const children: Node[] = [];
      if (constructed) {
        let p = contentStart;
        while (p < contentEnd) {
          const child = this.read(p, contentEnd, depth + 1);
          children.push(child);
          p = child.end;
        }
      } else if (cls === UNIVERSAL && (num === TAG.SEQUENCE || num === TAG.SET)) {
        this.fail('a SEQUENCE or SET encoded as primitive');
      }
      return { cls, num, constructed, bytes: b, start, contentStart, contentEnd, end: contentEnd, children };
    }
    // Indefinite length: constructed only, children until an end-of-contents (00 00).
    if (!constructed) this.fail('indefinite length on a primitive element');
    const children: Node[] = [];
    let p = contentStart;
    for (;;) {
      if (p + 2 > limit) this.fail('end of input before an end-of-contents');
      if (b[p] === 0 && b[p + 1] === 0) break;
      const child = this.read(p, limit, depth + 1);
      children.push(child);
      p = child.end;
    }
    return { cls, num, constructed, bytes: b, start, contentStart, contentEnd: p, end: p + 2, children };
  }
}

/**
 * Decodes one BER element that must fill `bytes` (trailing bytes are refused, unless
 * `allowTrailing`, when the caller decides what to do with them).
 */
export function decode(bytes: Uint8Array, what: string, allowTrailing = false): { node: Node; end: number } {
  if (bytes.length === 0) throw malformed(`${what}: empty input`);
  const node = new Reader(bytes, what).read(0, bytes.length, 0);
  if (!allowTrailing && node.end !== bytes.length) {
    throw malformed(`${what}: ${bytes.length - node.end} unexpected bytes after the encoded value`);
  }
  return { node, end: node.end };
}

const NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
  30: 'BMPString',
};

function describe(node: Node): string {
  if (node.cls === UNIVERSAL) return NAMES[node.num] ?? `universal tag ${node.num}`;
  return `${node.cls === CONTEXT ? 'context' : node.cls === 2 ? 'application' : 'private'} tag [${node.num}]`;
}

function expectUniversal(node: Node | undefined, num: number, constructed: boolean | null, what: string): Node {
  if (!node) throw malformed(`${what}: missing`);
  if (node.cls !== UNIVERSAL || node.num !== num || (constructed !== null && node.constructed !== constructed)) {
    throw malformed(`${what}: expected ${NAMES[num] ?? `tag ${num}`}, found ${describe(node)}`);
  }
  return node;
}

/** The elements of a SEQUENCE. */
export function seq(node: Node | undefined, what: string, min = 0): Node[] {
  const items = expectUniversal(node, TAG.SEQUENCE, true, what).children as Node[];
  if (items.length < min) throw malformed(`${what}: expected at least ${min} elements, found ${items.length}`);
  return items;
}

/** The elements of a SET. */
export function set(node: Node | undefined, what: string): Node[] {
  return expectUniversal(node, TAG.SET, true, what).children as Node[];
}

/** The dotted form of an OBJECT IDENTIFIER. */
export function oid(node: Node | undefined, what: string): string {
  const n = expectUniversal(node, TAG.OID, false, what);
  const b = n.bytes;
  if (n.contentEnd === n.contentStart) throw malformed(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let v = 0;
  let len = 0;
  for (let i = n.contentStart; i < n.contentEnd; i++) {
    const x = b[i]!;
    if (len === 0 && x === 0x80) throw malformed(`${what}: invalid OBJECT IDENTIFIER`);
    v = v * 128 + (x & 0x7f);
    if (++len > 8) throw malformed(`${what}: OBJECT IDENTIFIER arc too large`);
    if (!(x & 0x80)) {
      arcs.push(v);
      v = 0;
      len = 0;
    }
  }
  if (len !== 0) throw malformed(`${what}: invalid OBJECT IDENTIFIER`);
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

function joined(node: Node, what: string, depth: number, parts: Uint8Array[]): void {
  if (!node.constructed) {
    parts.push(node.bytes.subarray(node.contentStart, node.contentEnd));
    return;
  }
  if (depth > 8) throw malformed(`${what}: constructed string nested too deeply`);
  for (const c of node.children) {
    if (c.cls !== UNIVERSAL || c.num !== node.num) {
      // Segments of a constructed string carry the universal tag of the string (OCTET STRING for [n] IMPLICIT).
      if (!(node.cls !== UNIVERSAL && c.cls === UNIVERSAL && c.num === TAG.OCTET_STRING)) {
        throw malformed(`${what} (segment): expected ${NAMES[node.cls === UNIVERSAL ? node.num : TAG.OCTET_STRING]}, found ${describe(c)}`);
      }
    }
    joined(c, what, depth + 1, parts);
  }
}

function joinedBytes(node: Node, what: string): Uint8Array {
  if (!node.constructed) return node.bytes.subarray(node.contentStart, node.contentEnd);
  const parts: Uint8Array[] = [];
  joined(node, what, 0, parts);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The content of an OCTET STRING, primitive or constructed (BER segments are joined). */
export function octets(node: Node | undefined, what: string): Uint8Array {
  return joinedBytes(expectUniversal(node, TAG.OCTET_STRING, null, what), what);
}

/** The content of a `[n] IMPLICIT OCTET STRING`, primitive or constructed. */
export function implicitOctets(node: Node | undefined, num: number, what: string): Uint8Array {
  if (!node) throw malformed(`${what}: missing`);
  if (node.cls !== CONTEXT || node.num !== num) throw malformed(`${what}: expected [${num}], found ${describe(node)}`);
  return joinedBytes(node, what);
}

/** The single element inside a `[n] EXPLICIT` wrapper. */
export function explicit(node: Node | undefined, num: number, what: string): Node {
  if (!node) throw malformed(`${what}: missing`);
  if (node.cls !== CONTEXT || node.num !== num || !node.constructed) {
    throw malformed(`${what}: expected [${num}] EXPLICIT, found ${describe(node)}`);
  }
  if (node.children.length !== 1) throw malformed(`${what}: expected one element inside [${num}], found ${node.children.length}`);
  return node.children[0]!;
}

/** True when `node` is a context-specific tag `[num]`. */
export function isContext(node: Node | undefined, num: number): boolean {
  return node !== undefined && node.cls === CONTEXT && node.num === num;
}

/** True when `node` is a universal tag `num`. */
export function isUniversal(node: Node | undefined, num: number): boolean {
  return node !== undefined && node.cls === UNIVERSAL && node.num === num;
}

function integerBytes(node: Node | undefined, what: string): Uint8Array {
  const n = expectUniversal(node, TAG.INTEGER, false, what);
  if (n.contentEnd === n.contentStart) throw malformed(`${what}: empty INTEGER`);
  return n.bytes.subarray(n.contentStart, n.contentEnd);
}

/** An INTEGER as a bigint (two's complement). */
export function bigInt(node: Node | undefined, what: string): bigint {
  const bytes = integerBytes(node, what);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** An INTEGER that must be a count of at least `min`. */
export function count(node: Node | undefined, what: string, min = 1): bigint {
  const v = bigInt(node, what);
  if (v < BigInt(min)) throw malformed(`${what}: ${v} is not a valid count`);
  return v;
}

/** The unsigned magnitude of an INTEGER's content (leading zero bytes removed). */
export function unsigned(node: Node | undefined, what: string): Uint8Array {
  const b = integerBytes(node, what);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** The parsed BMPString content (big-endian UTF-16), trailing NULs dropped. */
export function bmpString(node: Node | undefined, what: string): string {
  const bytes = joinedBytes(expectUniversal(node, TAG.BMP_STRING, null, what), what);
  if (bytes.length % 2 !== 0) throw malformed(`${what}: BMPString of odd length`);
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return s.replace(/\u0000+$/, '');
}

/** The string value of a UTF8String, BMPString, PrintableString, IA5String or VisibleString. */
export function anyString(node: Node | undefined, what: string): string {
  if (isUniversal(node, TAG.BMP_STRING)) return bmpString(node, what);
  if (!node) throw malformed(`${what}: missing`);
  if (node.cls === UNIVERSAL && [12, 19, 22, 26].includes(node.num) && !node.constructed) {
    return new TextDecoder('utf-8').decode(node.bytes.subarray(node.contentStart, node.contentEnd));
  }
  throw malformed(`${what}: expected a string, found ${describe(node)}`);
}

/** The encoded bytes of a node as they appeared in the input. */
export function rawBytes(node: Node): Uint8Array {
  return node.bytes.subarray(node.start, node.end);
}

/** An AlgorithmIdentifier: the OID and the (optional, non-NULL) parameters node. */
export function algorithm(node: Node | undefined, what: string): { oid: string; params: Node | undefined } {
  const items = seq(node, what, 1);
  const params = items[1];
  return { oid: oid(items[0], `${what} algorithm`), params: params && !isUniversal(params, TAG.NULL) ? params : undefined };
}

/** The tag of a node. */
export function tag(node: Node): { cls: number; num: number; constructed: boolean } {
  return { cls: node.cls, num: node.num, constructed: node.constructed };
}

/** The content bytes of a node (constructed strings joined). */
export function content(node: Node | undefined, what: string): Uint8Array {
  if (!node) throw malformed(`${what}: missing`);
  return joinedBytes(node, what);
}

/** The bits of a BIT STRING as whole bytes (the unused-bits count must be 0 unless `allowUnused`). */
export function bitString(node: Node | undefined, what: string, allowUnused = false): Uint8Array {
  const n = expectUniversal(node, TAG.BIT_STRING, false, what);
  if (n.contentEnd === n.contentStart) throw malformed(`${what}: empty BIT STRING`);
  const unused = n.bytes[n.contentStart]!;
  if (unused > 7 || (unused && !allowUnused)) throw malformed(`${what}: BIT STRING with ${unused} unused bits`);
  return n.bytes.subarray(n.contentStart + 1, n.contentEnd);
}
