/**
 * The AuthenticatedSafe and its SafeContents (RFC 7292 section 4.1 and 4.2): which safes are
 * plain and which encrypted, and the bags inside a safe: certificates (certBag), keys (keyBag),
 * shrouded keys (pkcs8ShroudedKeyBag, parsed here, decrypted by the reader) and nested
 * safeContentsBags, with their friendlyName and localKeyId attributes. Other bags are noted and
 * skipped.
 */
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { paced } from '../lib/pace.js';
import type { PrivateKeyEntry } from './bundle.js';
import { bagUnits, type Limits } from './limits.js';
import { OID, OID_NAMES, nameOid } from './oids.js';
import { parsePbe, type PbeScheme } from './pbe.js';

/** PKCS12AttrSet: the two attributes read. */
export interface Attributes {
  friendlyName: string | null;
  /** In hex. */
  localKeyId: string | null;
}

export interface CertBagEntry extends Attributes {
  der: Uint8Array;
}

export interface KeyBagEntry extends Attributes {
  /** The PrivateKeyInfo; null until a shrouded key is decrypted. */
  pkcs8: Uint8Array | null;
  storage: PrivateKeyEntry['storage'];
  shrouded: { scheme: PbeScheme; data: Uint8Array } | null;
}

/** The bags of every safe read so far, in file order. */
export interface Collected {
  certs: CertBagEntry[];
  keys: KeyBagEntry[];
  skipped: string[];
}

/** One ContentInfo of the AuthenticatedSafe: a plain SafeContents, or an encrypted one. */
export type SafePart = { kind: 'plain'; bytes: Uint8Array } | { kind: 'encrypted'; scheme: PbeScheme; data: Uint8Array };

/** Nesting of safeContentsBag inside safeContentsBag. */
const MAX_BAG_NESTING = 8;

/** AuthenticatedSafe ::= SEQUENCE OF ContentInfo (data or encryptedData; envelopedData is refused). */
export function parseAuthenticatedSafe(bytes: Uint8Array, limits: Limits): SafePart[] {
  const { node } = der.decode(bytes, 'AuthenticatedSafe');
  return der.seq(node, 'AuthenticatedSafe').map((ciNode) => {
    const ci = der.seq(ciNode, 'AuthenticatedSafe ContentInfo', 1);
    const type = der.oid(ci[0], 'ContentInfo type');
    if (type === OID.data) {
      return { kind: 'plain', bytes: der.octets(der.explicit(ci[1], 0, 'ContentInfo content'), 'SafeContents data') };
    }
    if (type === OID.encryptedData) {
      const ed = der.seq(der.explicit(ci[1], 0, 'EncryptedData'), 'EncryptedData', 2);
      const eci = der.seq(ed[1], 'EncryptedContentInfo', 3);
      const scheme = parsePbe(eci[1], 'encrypted safe', limits);
      return { kind: 'encrypted', scheme, data: der.implicitOctets(eci[2], 0, 'EncryptedContentInfo content') };
    }
    if (type === OID.envelopedData) {
      throw new PfxkitError('UNSUPPORTED_ALGORITHM', `public-key privacy mode (envelopedData, ${OID.envelopedData}) is not supported`);
    }
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `safe content type ${nameOid(type)} is not supported`);
  });
}

function parseAttributes(node: der.Node | undefined, what: string): Attributes {
  const out: Attributes = { friendlyName: null, localKeyId: null };
  if (node === undefined) return out;
  for (const attr of der.set(node, `${what} attributes`)) {
    const a = der.seq(attr, `${what} attribute`, 2);
    const id = der.oid(a[0], `${what} attribute type`);
    const values = der.set(a[1], `${what} attribute values`);
    if (id === OID.friendlyName && values[0]) out.friendlyName = der.anyString(values[0], `${what} friendlyName`);
    if (id === OID.localKeyId && values[0] && der.isUniversal(values[0], der.TAG.OCTET_STRING)) {
      out.localKeyId = Buffer.from(der.octets(values[0], `${what} localKeyId`))
        .toString('hex')
        .toUpperCase();
    }
  }
  return out;
}

/**
 * Reads a SafeContents into `into` (`inEncryptedSafe`: it was decrypted from an encrypted safe).
 * Shrouded keys are parsed, their iteration counts checked against the limit, not decrypted.
 */
export async function collectBags(bytes: Uint8Array, into: Collected, limits: Limits, inEncryptedSafe: boolean): Promise<void> {
  const { node } = der.decode(bytes, 'SafeContents');
  await walkBags(node, into, limits, 0, inEncryptedSafe);
}

/** SafeContents ::= SEQUENCE OF SafeBag; SafeBag ::= SEQUENCE { bagId, bagValue [0], bagAttributes SET OPTIONAL }. */
async function walkBags(node: der.Node, into: Collected, limits: Limits, depth: number, inEncryptedSafe: boolean): Promise<void> {
  for (const bagNode of der.seq(node, 'SafeContents')) {
    // Paced: a file can hold tens of thousands of bags.
    await paced(bagUnits(bagNode.end - bagNode.start));
    const bag = der.seq(bagNode, 'SafeBag', 2);
    const bagId = der.oid(bag[0], 'SafeBag type');
    const value = der.explicit(bag[1], 0, 'SafeBag value');
    const what = OID_NAMES[bagId] ?? 'SafeBag';
    switch (bagId) {
      case OID.certBag: {
        const attrs = parseAttributes(bag[2], what);
        const cb = der.seq(value, 'CertBag', 2);
        const certId = der.oid(cb[0], 'CertBag type');
        if (certId !== OID.x509Certificate) {
          into.skipped.push(`certBag ${nameOid(certId)}`);
          break;
        }
        // Copied: the bundle must not alias the caller's buffer.
        const certDer = der.octets(der.explicit(cb[1], 0, 'CertBag value'), 'CertBag certificate').slice();
        into.certs.push({ ...attrs, der: certDer });
        break;
      }
      case OID.keyBag:
        der.seq(value, 'PrivateKeyInfo', 3);
        into.keys.push({ ...parseAttributes(bag[2], what), pkcs8: der.rawBytes(value).slice(), storage: inEncryptedSafe ? 'safe' : 'plain', shrouded: null });
        break;
      case OID.pkcs8ShroudedKeyBag: {
        const epki = der.seq(value, 'EncryptedPrivateKeyInfo', 2);
        const scheme = parsePbe(epki[0], 'shrouded private key', limits);
        const data = der.octets(epki[1], 'EncryptedPrivateKeyInfo data');
        into.keys.push({ ...parseAttributes(bag[2], what), pkcs8: null, storage: 'shrouded', shrouded: { scheme, data } });
        break;
      }
      case OID.safeContentsBag:
        if (depth >= MAX_BAG_NESTING) throw new PfxkitError('MALFORMED', 'safeContentsBag nested too deeply');
        await walkBags(value, into, limits, depth + 1, inEncryptedSafe);
        break;
      default:
        into.skipped.push(OID_NAMES[bagId] ?? bagId);
    }
  }
}
