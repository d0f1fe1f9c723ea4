/**
 * Facts about one X.509 certificate, in Graph's forms: SHA-1 thumbprint as 40 uppercase hex,
 * validity as epoch seconds (Graph's NumericDate).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { x509 } from './x509.js';

/** One certificate as `inspect --json` prints it (SPEC.md). */
export interface CertificateInfo {
  /** SHA-1 of the DER, 40 uppercase hex: the thumbprint Graph lists. */
  thumbprint: string;
  /** SHA-256 of the DER, 64 uppercase hex. */
  thumbprintSha256: string;
  /** Distinguished name, most specific first (`CN=..., O=..., C=...`), RFC 4514 escaping. */
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

/** A parsed certificate with what the reader and the validator need beyond the printed facts. */
export interface ParsedCertificate {
  readonly info: CertificateInfo;
  readonly der: Uint8Array;
  readonly extensions: CertificateExtensions;
  /** The subject public key, when Node can load it. */
  readonly publicKey: KeyObject | null;
}

const hex = (b: Uint8Array, alg: string): string => createHash(alg).update(b).digest('hex').toUpperCase();

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521,
  secp256k1: 256, secp224r1: 224, 'P-224': 224, prime192v1: 192, brainpoolP256r1: 256,
  brainpoolP384r1: 384, brainpoolP512r1: 512,
};

const KEY_NAMES: Record<string, string> = {
  rsa: 'RSA', 'rsa-pss': 'RSA-PSS', ec: 'EC', ed25519: 'Ed25519', ed448: 'Ed448', dsa: 'DSA',
  x25519: 'X25519', x448: 'X448', dh: 'DH',
};

/** Key algorithm and size of a KeyObject (public or private). */
export function keyFacts(key: KeyObject): { keyAlgorithm: string; keySize: number | null } {
  const type = key.asymmetricKeyType ?? 'unknown';
  const d = key.asymmetricKeyDetails ?? {};
  let keySize: number | null = null;
  if (d.modulusLength) keySize = d.modulusLength;
  else if (d.namedCurve) keySize = CURVE_BITS[d.namedCurve] ?? null;
  else if (type === 'ed25519' || type === 'x25519') keySize = 256;
  else if (type === 'ed448') keySize = 456;
  else if (type === 'x448') keySize = 448;
  return { keyAlgorithm: KEY_NAMES[type] ?? type.toUpperCase(), keySize };
}

/** RFC 4514 escaping of one attribute value. */
function escapeValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\u0000/g, '\\00');
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** `CN=..., O=..., C=...`: RDNs most specific first, as Windows, Azure and Graph show them. */
export function formatName(name: x509.Name): string {
  const rdns = name.toJSON();
  return rdns
    .slice()
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((v) => `${type}=${escapeValue(String(v))}`))
        .join(' + '),
    )
    .join(', ');
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

/** The algorithm OID of a SubjectPublicKeyInfo, for keys Node cannot load. */
function spkiAlgorithmOid(spki: Uint8Array): string {
  try {
    return der.algorithm(der.seq(der.decode(spki, 'public key').node, 'public key', 2)[0], 'public key algorithm').oid;
  } catch {
    return 'unknown';
  }
}

const epoch = (d: Date): number => Math.floor(d.getTime() / 1000);

/** The extensions the reader and the validator look at, decoded once. */
export interface CertificateExtensions {
  /** Subject key identifier, lowercase hex, or null. */
  subjectKeyId: string | null;
  /** Authority key identifier, lowercase hex, or null. */
  authorityKeyId: string | null;
  /** Extended key usage OIDs, or null when the extension is absent. */
  extendedKeyUsage: string[] | null;
  /** Key usage bits (x509.KeyUsageFlags), or null when absent. */
  keyUsage: number | null;
  /** basicConstraints cA, or null when absent. */
  ca: boolean | null;
}

function readExtensions(cert: x509.X509Certificate): CertificateExtensions {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    subjectKeyId: ski?.keyId ? ski.keyId.toLowerCase() : null,
    authorityKeyId: aki?.keyId ? aki.keyId.toLowerCase() : null,
    extendedKeyUsage: eku ? eku.usages.map(String) : null,
    keyUsage: ku ? ku.usages : null,
    ca: bc ? bc.ca : null,
  };
}

/**
 * Parses a DER certificate and computes its facts. `friendlyName` and `hasPrivateKey` come from
 * the bundle; they default to null and false. @peculiar/x509 decodes lazily, so everything is read
 * here, once, inside one guard: a damaged certificate is MALFORMED, never a stray exception later.
 */
export function parseCertificate(der: Uint8Array, what = 'certificate'): ParsedCertificate {
  try {
    const cert = new x509.X509Certificate(der);
    const spki = new Uint8Array(cert.publicKey.rawData);
    let publicKey: KeyObject | null = null;
    let keyAlgorithm: string;
    let keySize: number | null = null;
    try {
      publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      ({ keyAlgorithm, keySize } = keyFacts(publicKey));
    } catch {
      keyAlgorithm = spkiAlgorithmOid(spki);
    }
    const notBefore = epoch(cert.notBefore);
    const notAfter = epoch(cert.notAfter);
    if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) throw new Error('invalid validity dates');
    const info: CertificateInfo = {
      thumbprint: hex(der, 'sha1'),
      thumbprintSha256: hex(der, 'sha256'),
      subject: formatName(cert.subjectName),
      issuer: formatName(cert.issuerName),
      serialNumber: formatSerial(cert.serialNumber),
      notBefore,
      notAfter,
      hasPrivateKey: false,
      friendlyName: null,
      keyAlgorithm,
      keySize,
    };
    return { info, der, publicKey, extensions: readExtensions(cert) };
  } catch (err) {
    throw new PfxkitError('MALFORMED', `${what}: not a valid X.509 certificate`, { cause: err });
  }
}
