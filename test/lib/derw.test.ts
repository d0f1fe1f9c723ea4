/** The DER writer's constructors against known encodings (X.690), table-driven. */
import { describe, expect, it } from 'vitest';
import * as w from '../../src/lib/derw.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const CASES: { name: string; enc: () => Uint8Array; want: string }[] = [
  { name: 'INTEGER 0', enc: () => w.int(0), want: '020100' },
  { name: 'INTEGER 127', enc: () => w.int(127), want: '02017f' },
  { name: 'INTEGER 128 (a leading zero keeps it positive)', enc: () => w.int(128), want: '02020080' },
  { name: 'INTEGER 2048', enc: () => w.int(2048), want: '02020800' },
  { name: 'INTEGER 600000', enc: () => w.int(600_000), want: '02030927c0' },
  { name: 'INTEGER 2^31', enc: () => w.int(2 ** 31), want: '02050080000000' },
  { name: 'INTEGER -1', enc: () => w.int(-1), want: '0201ff' },
  { name: 'INTEGER -129', enc: () => w.int(-129), want: '0202ff7f' },
  { name: 'OID sha256', enc: () => w.oid('2.16.840.1.101.3.4.2.1'), want: '0609608648016503040201' },
  { name: 'OID pkcs8ShroudedKeyBag', enc: () => w.oid('1.2.840.113549.1.12.10.1.2'), want: '060b2a864886f70d010c0a0102' },
  { name: 'NULL', enc: () => w.nul(), want: '0500' },
  { name: 'BMPString (UTF-16 big-endian)', enc: () => w.bmp('é1'), want: '1e0400e90031' },
  { name: 'OCTET STRING, 128 bytes (long form length)', enc: () => w.octets(new Uint8Array(128)), want: `048180${'00'.repeat(128)}` },
  { name: 'OCTET STRING, 256 bytes', enc: () => w.octets(new Uint8Array(256)), want: `04820100${'00'.repeat(256)}` },
  { name: '[0] EXPLICIT', enc: () => w.explicit(0, w.nul()), want: 'a0020500' },
  { name: '[0] IMPLICIT OCTET STRING', enc: () => w.implicitOctets(0, Uint8Array.of(1, 2)), want: '80020102' },
  { name: 'SET OF sorted by encoding', enc: () => w.setOf(w.int(2), w.int(1), w.nul()), want: '31080201010201020500' },
  { name: 'AlgorithmIdentifier sha1 with NULL', enc: () => w.algorithm('1.3.14.3.2.26', w.nul()), want: '300906052b0e03021a0500' },
];

describe('DER writer', () => {
  it.each(CASES)('$name', ({ enc, want }) => {
    expect(hex(w.encode(enc()))).toBe(want);
  });
});
