/** The shapes `readPkcs12` returns. */
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '../cert/facts.js';

export type { CertificateInfo };

/** How the bundle's integrity is protected, as `inspect --json` prints it. */
export interface Integrity {
  kind: 'mac' | 'pbmac1' | 'none';
  /** The HMAC's digest (`sha1`, `sha256`, ...); null when there is no MAC. */
  digest: string | null;
  /** KDF iterations of the MAC key; null when there is no MAC. */
  iterations: number | null;
}

/** One encrypted part (an encrypted safe or a shrouded private key), machine-readable. */
export interface EncryptedPart {
  part: 'safe' | 'key';
  family: 'pkcs12-pbe' | 'pbes2' | 'pbes1';
  /** `AES-256-CBC`, `3DES-CBC`, `RC2-40-CBC`, ... */
  cipher: string;
  iterations: number;
  description: string;
}

/** A private key of the bundle. Its material stays inside the KeyObject and is never printed. */
export interface PrivateKeyEntry {
  /** `RSA`, `EC`, `Ed25519`, ... or the PKCS#8 algorithm OID when Node cannot load the key. */
  keyAlgorithm: string;
  keySize: number | null;
  /** Thumbprint of the certificate whose public key matches, or null. */
  certificate: string | null;
  friendlyName: string | null;
  /** The localKeyId attribute in hex, or null. */
  localKeyId: string | null;
  /**
   * Where the key was stored: `shrouded` (a pkcs8ShroudedKeyBag, encrypted on its own), `safe` (a
   * plain keyBag inside an encrypted safe) or `plain` (a plain keyBag in a plain safe: no encryption).
   */
  storage: 'shrouded' | 'safe' | 'plain';
  /** The key, or null when Node cannot load its algorithm. */
  key: KeyObject | null;
}

/**
 * A PKCS#12 bundle as read. Its enumerable fields are exactly what `inspect --json` prints;
 * `keys`, `parts`, `certificateDer` and `skippedBags` are non-enumerable, so `JSON.stringify`
 * never carries key material.
 */
export interface Pkcs12Bundle {
  /** Every certificate, leaf first, then up its issuer chain, then the rest in file order. */
  certificates: CertificateInfo[];
  /** Thumbprint of the certificate that has the private key, or null. */
  leaf: string | null;
  /** Number of private keys. */
  privateKeys: number;
  integrity: Integrity;
  /** Human-readable algorithm of each encrypted part, in file order. */
  encryption: string[];
  /** The private keys (non-enumerable). */
  readonly keys: readonly PrivateKeyEntry[];
  /** The encrypted parts, machine-readable (non-enumerable). */
  readonly parts: readonly EncryptedPart[];
  /** DER of each certificate, in the order of `certificates` (non-enumerable). */
  readonly certificateDer: readonly Uint8Array[];
  /** Bag types that were present but not read (secretBag, crlBag, ...) (non-enumerable). */
  readonly skippedBags: readonly string[];
}
