/** Certificate order in a bundle: the leaf first, then up its issuer chain, then the rest in file order. */
import type { ParsedCertificate } from './facts.js';

/** True when `issuer` plausibly issued `child`: names match and, when both are present, key identifiers too. */
export function isIssuerOf(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer === child || issuer.info.subject !== child.info.issuer) return false;
  const aki = child.extensions.authorityKeyId;
  const ski = issuer.extensions.subjectKeyId;
  return aki === null || ski === null || aki === ski;
}

const NONE = '\u0000none';
const keyOf = (name: string, id: string | null): string => `${name}\u0000${id ?? NONE}`;

/** Indices of certificates grouped under a key, in file order, read through a cursor that skips used ones. */
class Buckets {
  private readonly lists = new Map<string, number[]>();
  private readonly cursors = new Map<string, number>();
  add(key: string, index: number): void {
    const list = this.lists.get(key);
    if (list) list.push(index);
    else this.lists.set(key, [index]);
  }
  size(key: string): number {
    return this.lists.get(key)?.length ?? 0;
  }
  /** The first index under `key` not yet used (amortised: used ones are skipped once). */
  firstUnused(key: string, used: Uint8Array): number {
    const list = this.lists.get(key);
    if (!list) return Infinity;
    let at = this.cursors.get(key) ?? 0;
    while (at < list.length && used[list[at]!]) at++;
    this.cursors.set(key, at);
    return at < list.length ? list[at]! : Infinity;
  }
}

/** Which certificates issue at least one other certificate of the list, by counting, not by pairs. */
function issuesAnother(certs: readonly ParsedCertificate[]): boolean[] {
  const byIssuer = new Buckets();
  const byIssuerAki = new Buckets();
  certs.forEach((c, i) => {
    byIssuer.add(c.info.issuer, i);
    byIssuerAki.add(keyOf(c.info.issuer, c.extensions.authorityKeyId), i);
  });
  return certs.map((c) => {
    const { subject } = c.info;
    const ski = c.extensions.subjectKeyId;
    // Children named by this subject whose AKI is absent or equals this SKI (any AKI when SKI is absent).
    const children = ski === null ? byIssuer.size(subject) : byIssuerAki.size(keyOf(subject, null)) + byIssuerAki.size(keyOf(subject, ski));
    const self = c.info.issuer === subject && (ski === null || c.extensions.authorityKeyId === null || c.extensions.authorityKeyId === ski);
    return children - (self ? 1 : 0) > 0;
  });
}

/**
 * Orders certificates: `leaf` (a thumbprint) first and its issuers after it; with no leaf, the
 * first certificate that issues no other one starts the chain. The rest keep file order.
 * Near-linear: candidates are looked up by subject and key identifier, never by scanning pairs.
 */
export function orderCertificates(certs: ParsedCertificate[], leaf: string | null): ParsedCertificate[] {
  if (certs.length <= 1) return certs.slice();
  let startIndex = leaf === null ? -1 : certs.findIndex((c) => c.info.thumbprint === leaf);
  if (startIndex < 0) {
    const issuing = issuesAnother(certs);
    startIndex = Math.max(0, issuing.indexOf(false));
  }
  const bySubject = new Buckets();
  const bySubjectSki = new Buckets();
  certs.forEach((c, i) => {
    bySubject.add(c.info.subject, i);
    bySubjectSki.add(keyOf(c.info.subject, c.extensions.subjectKeyId), i);
  });
  const used = new Uint8Array(certs.length);
  const out: ParsedCertificate[] = [];
  for (let i = startIndex; i !== Infinity; ) {
    used[i] = 1;
    const cur = certs[i]!;
    out.push(cur);
    const { issuer } = cur.info;
    const aki = cur.extensions.authorityKeyId;
    i = aki === null ? bySubject.firstUnused(issuer, used) : Math.min(bySubjectSki.firstUnused(keyOf(issuer, aki), used), bySubjectSki.firstUnused(keyOf(issuer, null), used));
  }
  certs.forEach((c, i) => {
    if (!used[i]) out.push(c);
  });
  return out;
}
