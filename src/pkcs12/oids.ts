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
  hmacWithSHA3_224: '2.16.840.1.101.3.4.2.13',
  hmacWithSHA3_256: '2.16.840.1.101.3.4.2.14',
  hmacWithSHA3_384: '2.16.840.1.101.3.4.2.15',
  hmacWithSHA3_512: '2.16.840.1.101.3.4.2.16',
  hmacWithSM3: '1.2.156.10197.1.401.2',
  scrypt: '1.3.6.1.4.1.11591.4.11',

  aes128CBC: '2.16.840.1.101.3.4.1.2',
  aes192CBC: '2.16.840.1.101.3.4.1.22',
  aes256CBC: '2.16.840.1.101.3.4.1.42',
  desEde3CBC: '1.2.840.113549.3.7',
  rc2CBC: '1.2.840.113549.3.2',
  desCBC: '1.3.14.3.2.7',
  camellia128CBC: '1.2.392.200011.61.1.1.1.2',
  camellia192CBC: '1.2.392.200011.61.1.1.1.3',
  camellia256CBC: '1.2.392.200011.61.1.1.1.4',
  aria128CBC: '1.2.410.200046.1.1.2',
  aria192CBC: '1.2.410.200046.1.1.7',
  aria256CBC: '1.2.410.200046.1.1.12',
  sm4CBC: '1.2.156.10197.1.104.2',
  cast5CBC: '1.2.840.113533.7.66.10',
  // Authenticated encryption, which no RFC puts inside PBES2 (Bouncy Castle writes it; OpenSSL refuses it).
  aes128GCM: '2.16.840.1.101.3.4.1.6',
  aes192GCM: '2.16.840.1.101.3.4.1.26',
  aes256GCM: '2.16.840.1.101.3.4.1.46',
  aes128CCM: '2.16.840.1.101.3.4.1.7',
  aes192CCM: '2.16.840.1.101.3.4.1.27',
  aes256CCM: '2.16.840.1.101.3.4.1.47',

  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha512_224: '2.16.840.1.101.3.4.2.5',
  sha512_256: '2.16.840.1.101.3.4.2.6',
  sha3_224: '2.16.840.1.101.3.4.2.7',
  sha3_256: '2.16.840.1.101.3.4.2.8',
  sha3_384: '2.16.840.1.101.3.4.2.9',
  sha3_512: '2.16.840.1.101.3.4.2.10',
  sm3: '1.2.156.10197.1.401',
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
  // SHA-3's block length is its rate (FIPS 202), as OpenSSL's PKCS#12 KDF takes it.
  [OID.sha3_224]: H('sha3-224', 'sha3-224', 28, 144),
  [OID.sha3_256]: H('sha3-256', 'sha3-256', 32, 136),
  [OID.sha3_384]: H('sha3-384', 'sha3-384', 48, 104),
  [OID.sha3_512]: H('sha3-512', 'sha3-512', 64, 72),
  [OID.sm3]: H('sm3', 'sm3', 32, 64),
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
  [OID.hmacWithSHA3_224]: DIGESTS[OID.sha3_224]!,
  [OID.hmacWithSHA3_256]: DIGESTS[OID.sha3_256]!,
  [OID.hmacWithSHA3_384]: DIGESTS[OID.sha3_384]!,
  [OID.hmacWithSHA3_512]: DIGESTS[OID.sha3_512]!,
  [OID.hmacWithSM3]: DIGESTS[OID.sm3]!,
};

/** Names for OIDs that show up in error messages. */
export const OID_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OID).map(([name, oid]) => [oid, name]));

/** `name (oid)` for messages. */
export function nameOid(oid: string): string {
  const name = OID_NAMES[oid];
  return name ? `${name} (${oid})` : oid;
}
