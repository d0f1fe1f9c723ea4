/** Object identifiers of PKCS#12 (RFC 7292), PKCS#5 (RFC 8018), PBMAC1 (RFC 9579) and friends. */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',

  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  crlBag: '1.2.840.113549.1.12.10.1.4',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',

  x509Certificate: '1.2.840.113549.1.9.22.1',
  sdsiCertificate: '1.2.840.113549.1.9.22.2',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',

  pbeWithSHAAnd128BitRC4: '1.2.840.113549.1.12.1.1',
  pbeWithSHAAnd40BitRC4: '1.2.840.113549.1.12.1.2',
  pbeWithSHAAnd3KeyTripleDESCBC: '1.2.840.113549.1.12.1.3',
  pbeWithSHAAnd2KeyTripleDESCBC: '1.2.840.113549.1.12.1.4',
  pbeWithSHAAnd128BitRC2CBC: '1.2.840.113549.1.12.1.5',
  pbeWithSHAAnd40BitRC2CBC: '1.2.840.113549.1.12.1.6',

  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',

  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA224: '1.2.840.113549.2.8',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  hmacWithSHA512_224: '1.2.840.113549.2.12',
  hmacWithSHA512_256: '1.2.840.113549.2.13',

  aes128CBC: '2.16.840.1.101.3.4.1.2',
  aes192CBC: '2.16.840.1.101.3.4.1.22',
  aes256CBC: '2.16.840.1.101.3.4.1.42',
  desEde3CBC: '1.2.840.113549.3.7',
  rc2CBC: '1.2.840.113549.3.2',
  desCBC: '1.3.14.3.2.7',

  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha512_224: '2.16.840.1.101.3.4.2.5',
  sha512_256: '2.16.840.1.101.3.4.2.6',
} as const;

/** Node hash names with their output length `u` and block length `v` in bytes. */
export interface HashInfo {
  readonly node: string;
  readonly label: string;
  readonly u: number;
  readonly v: number;
}

const H = (node: string, label: string, u: number, v: number): HashInfo => ({ node, label, u, v });

/** Digest OIDs (as in a MacData DigestInfo). */
export const DIGESTS: Readonly<Record<string, HashInfo>> = {
  [OID.md5]: H('md5', 'md5', 16, 64),
  [OID.sha1]: H('sha1', 'sha1', 20, 64),
  [OID.sha224]: H('sha224', 'sha224', 28, 64),
  [OID.sha256]: H('sha256', 'sha256', 32, 64),
  [OID.sha384]: H('sha384', 'sha384', 48, 128),
  [OID.sha512]: H('sha512', 'sha512', 64, 128),
  [OID.sha512_224]: H('sha512-224', 'sha512-224', 28, 128),
  [OID.sha512_256]: H('sha512-256', 'sha512-256', 32, 128),
};

/** HMAC OIDs (as PBKDF2 PRFs and PBMAC1 message authentication schemes). */
export const HMACS: Readonly<Record<string, HashInfo>> = {
  [OID.hmacWithSHA1]: H('sha1', 'sha1', 20, 64),
  [OID.hmacWithSHA224]: H('sha224', 'sha224', 28, 64),
  [OID.hmacWithSHA256]: H('sha256', 'sha256', 32, 64),
  [OID.hmacWithSHA384]: H('sha384', 'sha384', 48, 128),
  [OID.hmacWithSHA512]: H('sha512', 'sha512', 64, 128),
  [OID.hmacWithSHA512_224]: H('sha512-224', 'sha512-224', 28, 128),
  [OID.hmacWithSHA512_256]: H('sha512-256', 'sha512-256', 32, 128),
};

/** Names for OIDs that show up in error messages. */
export const OID_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(OID).map(([name, oid]) => [oid, name]),
);

/** `name (oid)` for messages. */
export function nameOid(oid: string): string {
  const name = OID_NAMES[oid];
  return name ? `${name} (${oid})` : oid;
}
