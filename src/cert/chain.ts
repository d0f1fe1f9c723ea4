/** Certificate order in a bundle: the leaf first, then up its issuer chain, then the rest in file order. */
import type { ParsedCertificate } from './facts.js';

/** True when `issuer` plausibly issued `child`: names match and, when both are present, key identifiers too. */
export function isIssuerOf(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer === child || issuer.info.subject !== child.info.issuer) return false;
  const aki = child.extensions.authorityKeyId;
  const ski = issuer.extensions.subjectKeyId;
  return aki === null || ski === null || aki === ski;
}

/**
 * Orders certificates: `leaf` (a thumbprint) first and its issuers after it; with no leaf, the
 * first certificate that issues no other one starts the chain. The rest keep file order.
 */
export function orderCertificates(certs: ParsedCertificate[], leaf: string | null): ParsedCertificate[] {
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
