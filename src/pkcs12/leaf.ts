/**
 * Which key belongs to which certificate, and the leaf: keys are matched to certificates by public
 * key (RFC 7292 leaves this to the reader; localKeyId is only a hint), and the certificates are
 * put leaf first, then up its issuer chain (cert/chain.ts).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import { paced } from '../lib/pace.js';
import { parseCertificate, type ParsedCertificate } from '../cert/facts.js';
import { derivedPublicId, pkcs8Facts } from '../cert/keys.js';
import { orderCertificates } from '../cert/chain.js';
import type { PrivateKeyEntry } from './bundle.js';
import { bagUnits, parseUnits } from './limits.js';
import type { CertBagEntry, KeyBagEntry } from './safebags.js';

interface Cert {
  parsed: ParsedCertificate;
  bag: CertBagEntry;
}

interface Key {
  entry: PrivateKeyEntry;
  /** The key's public half as cert/keys.ts identifies it, or null when it cannot be compared. */
  publicId: string | null;
}

/** The certificates, leaf first, and the keys, each told its certificate. */
export interface Matched {
  certificates: ParsedCertificate[];
  leaf: string | null;
  keys: PrivateKeyEntry[];
}

/** Items grouped by a key (null keys left out), in order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    if (k === null) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function loadKey(k: KeyBagEntry, index: number): Key {
  const pkcs8 = k.pkcs8!;
  let facts;
  try {
    facts = pkcs8Facts(pkcs8);
  } catch (err) {
    throw new PfxkitError('MALFORMED', `private key ${index + 1}: not a valid PKCS#8 PrivateKeyInfo`, { cause: err });
  }
  // The key's public half, from the DER when it carries it, else derived by OpenSSL.
  const publicId = facts.id ?? derivedPublicId(pkcs8);
  let loaded: KeyObject | null | undefined;
  const entry = { keyAlgorithm: facts.keyAlgorithm, keySize: facts.keySize, certificate: null, friendlyName: k.friendlyName, localKeyId: k.localKeyId, storage: k.storage } as PrivateKeyEntry;
  // The KeyObject is made on first use: most reads never need one, and loading costs more than the rest.
  Object.defineProperty(entry, 'key', {
    enumerable: true,
    get(): KeyObject | null {
      if (loaded === undefined) {
        try {
          loaded = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
        } catch {
          loaded = null;
        }
      }
      return loaded;
    },
  });
  return { entry, publicId };
}

/** Marks the certificates that have a key, and tells each key its certificate. */
function pairKeys(certs: readonly Cert[], keys: readonly Key[]): void {
  const byPublicId = groupBy(certs, (c) => c.parsed.publicKeyId);
  const byLocalKeyId = groupBy(certs, (c) => c.bag.localKeyId);
  for (const { entry, publicId } of keys) {
    // Public keys decide; only a key that cannot be compared at all falls back to localKeyId.
    const sameKey = (publicId !== null ? byPublicId.get(publicId) : entry.localKeyId !== null ? byLocalKeyId.get(entry.localKeyId) : undefined) ?? [];
    for (const c of sameKey) c.parsed.info.hasPrivateKey = true;
    // A renewed certificate can share its key with the old one: the localKeyId, then the latest
    // notAfter, picks the leaf among certificates with this key.
    const match = sameKey.find((c) => c.bag.localKeyId !== null && c.bag.localKeyId === entry.localKeyId) ?? sameKey.slice().sort((a, b) => b.parsed.info.notAfter - a.parsed.info.notAfter)[0];
    if (match) entry.certificate = match.parsed.info.thumbprint;
  }
}

/** A certificate without a friendlyName of its own takes its key's (the first key's, when several). */
function nameCertificates(certs: readonly Cert[], keys: readonly Key[]): void {
  const keyOfCert = new Map<string, PrivateKeyEntry>();
  for (const k of keys.slice().reverse()) if (k.entry.certificate !== null) keyOfCert.set(k.entry.certificate, k.entry);
  for (const c of certs) {
    c.parsed.info.friendlyName = c.bag.friendlyName ?? keyOfCert.get(c.parsed.info.thumbprint)?.friendlyName ?? null;
  }
}

/** Parses the certificates and keys (paced), matches them, and orders the certificates leaf first. */
export async function matchKeys(certBags: readonly CertBagEntry[], keyBags: readonly KeyBagEntry[]): Promise<Matched> {
  const certs: Cert[] = [];
  for (const [i, bag] of certBags.entries()) {
    await paced(bagUnits(bag.der.length));
    certs.push({ parsed: parseCertificate(bag.der, `certificate ${i + 1}`), bag });
  }
  const keys: Key[] = [];
  for (const [i, k] of keyBags.entries()) {
    // A key whose public half is not in its DER is derived by OpenSSL (up to about 0.6 ms).
    await paced(parseUnits(k.pkcs8!.length) + 1200);
    keys.push(loadKey(k, i));
  }
  // Matching and ordering are linear, about 6 µs a certificate with the allocation they cause.
  await paced(200 + 12 * certs.length);
  pairKeys(certs, keys);
  nameCertificates(certs, keys);
  const leaf = keys.find((k) => k.entry.certificate !== null)?.entry.certificate ?? null;
  const certificates = orderCertificates(
    certs.map((c) => c.parsed),
    leaf,
  );
  return { certificates, leaf, keys: keys.map((k) => k.entry) };
}
