import { describe, expect, it } from 'vitest';
import { isIssuerOf, orderCertificates } from '../../src/cert/chain.js';
import type { ParsedCertificate } from '../../src/cert/facts.js';

const cert = (n: number, subject: string, issuer: string, ski: string | null, aki: string | null): ParsedCertificate =>
  ({
    info: { thumbprint: `T${n}`, subject, issuer },
    extensions: { subjectKeyId: ski, authorityKeyId: aki },
  }) as unknown as ParsedCertificate;

/** The former quadratic-to-cubic ordering, kept as the reference the fast one must agree with. */
function reference(certs: ParsedCertificate[], leaf: string | null): ParsedCertificate[] {
  if (certs.length <= 1) return certs.slice();
  let start = leaf === null ? undefined : certs.find((c) => c.info.thumbprint === leaf);
  start ??= certs.find((c) => !certs.some((other) => isIssuerOf(c, other))) ?? certs[0]!;
  const out: ParsedCertificate[] = [start];
  let cur = start;
  for (;;) {
    const next = certs.find((c) => !out.includes(c) && isIssuerOf(c, cur));
    if (!next) break;
    out.push(next);
    cur = next;
  }
  for (const c of certs) if (!out.includes(c)) out.push(c);
  return out;
}

/** A small seeded generator (xorshift) so that failures replay. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

describe('orderCertificates', () => {
  it('puts the leaf first and its issuers after it, the rest in file order', () => {
    const root = cert(1, 'CN=Root', 'CN=Root', 'r', 'r');
    const other = cert(2, 'CN=Other', 'CN=Other', 'o', null);
    const inter = cert(3, 'CN=Inter', 'CN=Root', 'i', 'r');
    const leaf = cert(4, 'CN=Leaf', 'CN=Inter', 'l', 'i');
    expect(orderCertificates([root, other, inter, leaf], 'T4').map((c) => c.info.thumbprint)).toEqual(['T4', 'T3', 'T1', 'T2']);
    expect(orderCertificates([root, inter, leaf, other], null).map((c) => c.info.thumbprint)).toEqual(['T4', 'T3', 'T1', 'T2']);
  });

  it('follows key identifiers when two issuers share a name', () => {
    const oldCa = cert(1, 'CN=CA', 'CN=CA', 'old', null);
    const newCa = cert(2, 'CN=CA', 'CN=CA', 'new', null);
    const leaf = cert(3, 'CN=Leaf', 'CN=CA', null, 'new');
    expect(orderCertificates([oldCa, newCa, leaf], 'T3').map((c) => c.info.thumbprint)).toEqual(['T3', 'T2', 'T1']);
  });

  it('agrees with the reference ordering on 3,000 random bundles', () => {
    const r = rng(15);
    for (let round = 0; round < 3000; round++) {
      const names = ['CN=A', 'CN=B', 'CN=C', 'CN=D'];
      const ids = [null, 'k1', 'k2', 'k3'];
      const certs = Array.from({ length: 1 + r(7) }, (_, i) => cert(i, names[r(4)]!, names[r(4)]!, ids[r(4)]!, ids[r(4)]!));
      const leaf = r(2) === 0 ? null : `T${r(certs.length + 1)}`;
      expect(orderCertificates(certs, leaf)).toEqual(reference(certs, leaf));
    }
  });

  it('orders 8,000 copies of one self-signed certificate without comparing pairs (a hostile file)', () => {
    const copies = Array.from({ length: 8000 }, (_, i) => cert(i, 'CN=Self', 'CN=Self', 'aa', 'aa'));
    const out = orderCertificates(copies, null);
    expect(out).toHaveLength(8000);
    expect(out.map((c) => c.info.thumbprint)).toEqual(copies.map((c) => c.info.thumbprint));
    // Small enough to compare with the reference too.
    const few = copies.slice(0, 200);
    expect(orderCertificates(few, 'T5')).toEqual(reference(few, 'T5'));
  });
});
