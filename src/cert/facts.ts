/**
 * Facts about one X.509 certificate, in Graph's forms: SHA-1 thumbprint as 40 uppercase hex,
 * validity as epoch seconds (Graph's NumericDate). The certificate is walked directly over the
 * DER (the typed BER layer on asn1js): a read needs a handful of fields, and doing it here is
 * what keeps reading a bundle within a small factor of OpenSSL.
 */
import { createHash } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { derivedSpkiId, spkiFacts } from './keys.js';

/** One certificate as `inspect --json` prints it (SPEC.md). */
export interface CertificateInfo {
  /** SHA-1 of the DER, 40 uppercase hex: the thumbprint Graph lists. */
  thumbprint: string;
  /** SHA-256 of the DER, 64 uppercase hex. */
  thumbprintSha256: string;
  /** Distinguished name in RFC 4514 order (last RDN of the encoding first) and escaping. */
  subject: string;
  issuer: string;
  /** Serial number in hex as `openssl x509 -serial` prints it (a leading `-` for a negative one). */
  serialNumber: string;
  /** Epoch seconds. */
  notBefore: number;
  /** Epoch seconds. */
  notAfter: number;
  hasPrivateKey: boolean;
  friendlyName: string | null;
  /** `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA`, ... or the key's OID when unknown. */
  keyAlgorithm: string;
  /** Bits: RSA/DSA modulus, EC curve size, 256 for Ed25519, 456 for Ed448; null when unknown. */
  keySize: number | null;
}

/** The extensions the reader and the validator look at. */
export interface CertificateExtensions {
  /** Subject key identifier, lowercase hex, or null. */
  subjectKeyId: string | null;
  /** Authority key identifier, lowercase hex, or null. */
  authorityKeyId: string | null;
  /** Extended key usage OIDs, or null when the extension is absent. */
  extendedKeyUsage: string[] | null;
  /** Key usage bits (bit 0, digitalSignature = 1; keyEncipherment = 4; ...), or null when absent. */
  keyUsage: number | null;
  /** basicConstraints cA, or null when absent. */
  ca: boolean | null;
}

/** A parsed certificate with what the reader and the validator need beyond the printed facts. */
export interface ParsedCertificate {
  readonly info: CertificateInfo;
  readonly der: Uint8Array;
  readonly extensions: CertificateExtensions;
  readonly spki: Uint8Array;
  /** Comparable public key (see cert/keys.ts), or null when it cannot be compared here. */
  readonly publicKeyId: string | null;
  /** The signature algorithm OID of the certificate. */
  readonly signatureAlgorithm: string;
}

const thumb = (b: Uint8Array, alg: string): string => createHash(alg).update(b).digest('hex').toUpperCase();

/** Attribute types with the short names RFC 4514 and common tools use. */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'G',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** RFC 4514 escaping of one attribute value. */
export function escapeValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\u0000/g, '\\00');
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

function attributeValue(node: der.Node): string {
  const t = der.tag(node);
  if (t.cls === 1 && !t.constructed) {
    const bytes = der.content(node, 'attribute value');
    switch (t.num) {
      case 12: // UTF8String
      case 19: // PrintableString
      case 22: // IA5String
      case 26: // VisibleString
      case 18: // NumericString
        return new TextDecoder('utf-8').decode(bytes);
      case 20: // TeletexString: Latin-1 in practice
        return new TextDecoder('latin1').decode(bytes);
      case 30: // BMPString
        return der.bmpString(node, 'attribute value');
      case 28: {
        // UniversalString: UTF-32BE
        let s = '';
        for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
        return s;
      }
    }
  }
  return `#${Buffer.from(der.rawBytes(node)).toString('hex')}`;
}

/** A Name in RFC 4514 form: RDNs last-encoded first, `+` within an RDN, escaped values. */
export function formatName(node: der.Node): string {
  const rdns = der.seq(node, 'Name').map((rdn) =>
    der
      .set(rdn, 'RelativeDistinguishedName')
      .map((atv) => {
        const [type, value] = der.seq(atv, 'AttributeTypeAndValue', 2);
        const oid = der.oid(type, 'attribute type');
        const v = attributeValue(value!);
        return `${ATTRIBUTE_NAMES[oid] ?? oid}=${v.startsWith('#') && !ATTRIBUTE_NAMES[oid] ? v : escapeValue(v)}`;
      })
      .join(' + '),
  );
  return rdns.reverse().join(', ');
}

/** `openssl x509 -serial` form from the INTEGER's two's complement bytes (hex). */
export function formatSerial(twosComplementHex: string): string {
  const clean = twosComplementHex.replace(/[^0-9a-fA-F]/g, '');
  if (clean.length === 0) return '00';
  let v = BigInt(`0x${clean}`);
  const negative = parseInt(clean[0]!, 16) >= 8;
  if (negative) v = (1n << BigInt(clean.length * 4)) - v;
  let h = v.toString(16).toUpperCase();
  if (h.length % 2) h = `0${h}`;
  return negative ? `-${h}` : h;
}

/** UTCTime (YY ≥ 50 is 19YY) or GeneralizedTime → epoch seconds (fractions dropped). */
export function parseTime(node: der.Node, what: string): number {
  const t = der.tag(node);
  const text = new TextDecoder('latin1').decode(der.content(node, what));
  const m =
    t.num === 23 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text) : t.num === 24 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{4})?$/.exec(text) : null;
  if (t.cls !== 1 || !m) throw new PfxkitError('MALFORMED', `${what}: not a UTCTime or GeneralizedTime`);
  let year = Number(m[1]);
  if (t.num === 23) year += year >= 50 ? 1900 : 2000;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) throw new PfxkitError('MALFORMED', `${what}: invalid date ${text}`);
  let epoch = Date.UTC(year, mo - 1, d, h, mi, s) / 1000;
  const zone = m[7];
  if (zone && zone !== 'Z') epoch -= (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(3, 5)) * 60);
  return epoch;
}

const EXT = { ski: '2.5.29.14', ku: '2.5.29.15', bc: '2.5.29.19', aki: '2.5.29.35', eku: '2.5.29.37' };

function readExtensions(node: der.Node | undefined): CertificateExtensions {
  const out: CertificateExtensions = { subjectKeyId: null, authorityKeyId: null, extendedKeyUsage: null, keyUsage: null, ca: null };
  if (!node) return out;
  for (const ext of der.seq(der.explicit(node, 3, 'extensions'), 'Extensions')) {
    const parts = der.seq(ext, 'Extension', 2);
    const id = der.oid(parts[0], 'extension id');
    const value = der.octets(parts[parts.length - 1], 'extension value');
    const inner = (): der.Node => der.decode(value, `extension ${id}`).node;
    switch (id) {
      case EXT.ski:
        out.subjectKeyId = Buffer.from(der.octets(inner(), 'subject key identifier')).toString('hex');
        break;
      case EXT.aki: {
        const kid = der.seq(inner(), 'authority key identifier').find((n) => der.isContext(n, 0));
        out.authorityKeyId = kid ? Buffer.from(der.content(kid, 'key identifier')).toString('hex') : null;
        break;
      }
      case EXT.eku:
        out.extendedKeyUsage = der.seq(inner(), 'extended key usage').map((n) => der.oid(n, 'key purpose'));
        break;
      case EXT.ku: {
        // BIT STRING, bit 0 first: bit i of the flags is bit (7 − i mod 8) of byte i/8.
        const bits = der.bitString(inner(), 'key usage', true);
        let flags = 0;
        for (let i = 0; i < Math.min(bits.length * 8, 9); i++) if (bits[i >> 3]! & (0x80 >> (i & 7))) flags |= 1 << i;
        out.keyUsage = flags;
        break;
      }
      case EXT.bc: {
        const first = der.seq(inner(), 'basic constraints')[0];
        out.ca = first !== undefined && der.isUniversal(first, 1) ? der.content(first, 'cA')[0] !== 0 : false;
        break;
      }
    }
  }
  return out;
}

/**
 * Parses a DER certificate and computes its facts. `friendlyName` and `hasPrivateKey` come from
 * the bundle; they default to null and false. Anything damaged is MALFORMED.
 */
export function parseCertificate(certDer: Uint8Array, what = 'certificate'): ParsedCertificate {
  try {
    const [tbsNode, sigAlg] = der.seq(der.decode(certDer, what).node, 'Certificate', 3);
    const tbs = der.seq(tbsNode, 'TBSCertificate', 6);
    const o = der.isContext(tbs[0], 0) ? 1 : 0;
    const [serial, , issuer, validity, subject, spkiNode] = tbs.slice(o);
    const [nb, na] = der.seq(validity, 'Validity', 2);
    const spki = der.rawBytes(spkiNode!);
    const key = spkiFacts(spki);
    const info: CertificateInfo = {
      thumbprint: thumb(certDer, 'sha1'),
      thumbprintSha256: thumb(certDer, 'sha256'),
      subject: formatName(subject!),
      issuer: formatName(issuer!),
      serialNumber: formatSerial(Buffer.from(der.content(serial, 'serial number')).toString('hex')),
      notBefore: parseTime(nb!, 'notBefore'),
      notAfter: parseTime(na!, 'notAfter'),
      hasPrivateKey: false,
      friendlyName: null,
      keyAlgorithm: key.keyAlgorithm,
      keySize: key.keySize,
    };
    const extensions = readExtensions(tbs.slice(o + 6).find((n) => der.isContext(n, 3)));
    return { info, der: certDer, extensions, spki, publicKeyId: key.id ?? derivedSpkiId(spki), signatureAlgorithm: der.algorithm(sigAlg, 'signature algorithm').oid };
  } catch (err) {
    throw new PfxkitError('MALFORMED', `${what}: not a valid X.509 certificate`, { cause: err });
  }
}
