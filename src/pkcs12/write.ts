/**
 * writePkcs12: a bundle (or a key and certificates) → PKCS#12 DER, in one of two profiles;
 * `compat` unless another is asked for (as convertPkcs12 and createClientBundle).
 *
 * - `modern`: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the certificates and the key, HMAC-SHA256
 *   MAC; 600,000 iterations by default: OWASP's figure for PBKDF2-HMAC-SHA256 and NSS pk12util's
 *   default since 2023. The MAC gets the same count, since a cheap MAC would let a guesser skip
 *   the expensive part. (OpenSSL 3 still writes 2048.)
 * - `compat`: pbeWithSHAAnd3-KeyTripleDES-CBC for the certificates and the key, HMAC-SHA1 MAC,
 *   2048 iterations: what `openssl pkcs12 -legacy` with 3DES and Windows write, what Azure AD B2C
 *   and older Windows accept (B2C is reported to refuse AES-encrypted bundles).
 *
 * The layout is OpenSSL's: an encrypted safe of certificate bags, then a plain safe holding the
 * shrouded key bag; friendlyName and localKeyId attributes on the key and its certificate.
 */
import { createCipheriv, createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as w from '../lib/derw.js';
import type { Pkcs12Bundle } from './bundle.js';
import { KDF_ID, deriveKeys } from './kdf.js';
import { bmpPassword, utf8Password } from './passwords.js';
import { DIGESTS, OID } from './oids.js';

export type WriteProfile = 'modern' | 'compat';

/** What to write when not re-encoding a bundle read with readPkcs12. */
export interface WriteInput {
  /** Certificates, leaf first (DER). */
  certificates: Uint8Array[];
  /** The private key of `certificates[0]`, if any. */
  key?: KeyObject | null;
  /** friendlyName of the leaf and its key. */
  friendlyName?: string | null;
  /** localKeyId of the leaf and its key (default: SHA-1 of the leaf's DER, as OpenSSL does). */
  localKeyId?: Uint8Array | null;
}

export interface WriteOptions {
  /** The new password ("" is the empty password). */
  password: string;
  /**
   * Default `compat`, as for convertPkcs12 and createClientBundle: a connector bundle goes to
   * Azure AD B2C, which documents TripleDES-SHA1 and refuses AES (PBES2) encrypted files.
   */
  profile?: WriteProfile;
  /** Iterations for encryption and MAC (default 600,000 modern, 2048 compat). */
  iterations?: number;
}

export const PROFILE_DEFAULT_ITERATIONS: Readonly<Record<WriteProfile, number>> = { modern: 600_000, compat: 2048 };

interface Item {
  der: Uint8Array;
  friendlyName: string | null;
  localKeyId: Uint8Array | null;
}
interface KeyItem {
  pkcs8: Uint8Array;
  friendlyName: string | null;
  localKeyId: Uint8Array | null;
}

function fromBundle(bundle: Pkcs12Bundle): { certs: Item[]; keys: KeyItem[] } {
  const idOf = (hex: string | null, certThumb: string | null): Uint8Array | null => {
    if (hex) return Uint8Array.from(Buffer.from(hex, 'hex'));
    if (certThumb) return Uint8Array.from(Buffer.from(certThumb, 'hex'));
    return null;
  };
  const keys: KeyItem[] = bundle.keys.map((k, i) => {
    if (!k.key) throw new PfxkitError('UNSUPPORTED_ALGORITHM', `private key ${i + 1} (${k.keyAlgorithm}) cannot be re-encoded: Node does not support its algorithm`);
    return { pkcs8: exportPkcs8(k.key), friendlyName: k.friendlyName, localKeyId: idOf(k.localKeyId, k.certificate) };
  });
  const certs: Item[] = bundle.certificates.map((c, i) => {
    const key = bundle.keys.find((k) => k.certificate === c.thumbprint);
    return { der: bundle.certificateDer[i]!, friendlyName: c.friendlyName, localKeyId: key ? idOf(key.localKeyId, key.certificate) : null };
  });
  return { certs, keys };
}

function fromInput(input: WriteInput): { certs: Item[]; keys: KeyItem[] } {
  const leaf = input.certificates[0];
  const id = input.localKeyId ?? (leaf && input.key ? Uint8Array.from(createHash('sha1').update(leaf).digest()) : null);
  const certs = input.certificates.map((der, i) => ({ der, friendlyName: i === 0 ? (input.friendlyName ?? null) : null, localKeyId: i === 0 && input.key ? id : null }));
  const keys = input.key ? [{ pkcs8: exportPkcs8(input.key), friendlyName: input.friendlyName ?? null, localKeyId: id }] : [];
  return { certs, keys };
}

function exportPkcs8(key: KeyObject): Uint8Array {
  if (key.type !== 'private') throw new PfxkitError('USAGE', 'the key to write must be a private key');
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

function attributes(friendlyName: string | null, localKeyId: Uint8Array | null): w.Enc[] {
  const attrs: w.Enc[] = [];
  if (friendlyName !== null) attrs.push(w.seq(w.oid(OID.friendlyName), w.setOf(w.bmp(friendlyName))));
  if (localKeyId !== null) attrs.push(w.seq(w.oid(OID.localKeyId), w.setOf(w.octets(localKeyId))));
  return attrs.length ? [w.setOf(...attrs)] : [];
}

interface Encryptor {
  algorithm: w.Enc;
  encrypt(plain: Uint8Array): Uint8Array;
}

/** The default profile of writePkcs12, convertPkcs12 and createClientBundle: what B2C accepts. */
export const DEFAULT_PROFILE: WriteProfile = 'compat';

async function encryptor(profile: WriteProfile, password: string, iterations: number): Promise<Encryptor> {
  if (profile === 'modern') {
    const salt = randomBytes(16);
    const iv = randomBytes(16);
    const [key] = await deriveKeys([{ kind: 'pbkdf2', digest: 'sha256', password: utf8Password(password), salt, iterations, keyLength: 32 }]);
    return {
      algorithm: w.algorithm(OID.pbes2, w.seq(w.algorithm(OID.pbkdf2, w.seq(w.octets(salt), w.int(iterations), w.algorithm(OID.hmacWithSHA256, w.nul()))), w.algorithm(OID.aes256CBC, w.octets(iv)))),
      encrypt: (plain) => cbc('aes-256-cbc', key!, iv, plain),
    };
  }
  const salt = randomBytes(8);
  const pw = bmpPassword(password);
  const sha1 = DIGESTS[OID.sha1]!;
  const [key, iv] = await deriveKeys([
    { kind: 'pkcs12', h: sha1, password: pw, salt, id: KDF_ID.key, iterations, n: 24 },
    { kind: 'pkcs12', h: sha1, password: pw, salt, id: KDF_ID.iv, iterations, n: 8 },
  ]);
  return {
    algorithm: w.algorithm(OID.pbeWithSHAAnd3KeyTripleDESCBC, w.seq(w.octets(salt), w.int(iterations))),
    encrypt: (plain) => cbc('des-ede3-cbc', key!, iv!, plain),
  };
}

function cbc(name: string, key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  const c = createCipheriv(name, key, iv);
  return new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
}

/** AuthenticatedSafe: the certificates in an encrypted safe, then the shrouded keys in a plain one. */
async function authenticatedSafe(certs: Item[], keys: KeyItem[], profile: WriteProfile, password: string, iterations: number): Promise<Uint8Array> {
  const safes: w.Enc[] = [];
  if (certs.length) {
    const bags = certs.map((c) => w.seq(w.oid(OID.certBag), w.explicit(0, w.seq(w.oid(OID.x509Certificate), w.explicit(0, w.octets(c.der)))), ...attributes(c.friendlyName, c.localKeyId)));
    const enc = await encryptor(profile, password, iterations);
    const encrypted = enc.encrypt(w.encode(w.seq(...bags)));
    safes.push(w.seq(w.oid(OID.encryptedData), w.explicit(0, w.seq(w.int(0), w.seq(w.oid(OID.data), enc.algorithm, w.implicitOctets(0, encrypted))))));
  }
  if (keys.length) {
    const bags: w.Enc[] = [];
    for (const k of keys) {
      const enc = await encryptor(profile, password, iterations);
      const epki = w.seq(enc.algorithm, w.octets(enc.encrypt(k.pkcs8)));
      bags.push(w.seq(w.oid(OID.pkcs8ShroudedKeyBag), w.explicit(0, epki), ...attributes(k.friendlyName, k.localKeyId)));
    }
    safes.push(w.seq(w.oid(OID.data), w.explicit(0, w.octets(w.encode(w.seq(...bags))))));
  }
  return w.encode(w.seq(...safes));
}

/** MacData over the AuthenticatedSafe: HMAC-SHA256 (modern) or HMAC-SHA1 (compat), its key from the appendix B KDF. */
async function macData(authSafe: Uint8Array, profile: WriteProfile, password: string, iterations: number): Promise<w.Enc> {
  const digestOid = profile === 'modern' ? OID.sha256 : OID.sha1;
  const digest = DIGESTS[digestOid]!;
  const salt = randomBytes(profile === 'modern' ? 16 : 8);
  const [key] = await deriveKeys([{ kind: 'pkcs12', h: digest, password: bmpPassword(password), salt, id: KDF_ID.mac, iterations, n: digest.u }]);
  const mac = createHmac(digest.node, key!).update(authSafe).digest();
  return w.seq(w.seq(w.algorithm(digestOid, w.nul()), w.octets(mac)), w.octets(salt), w.int(iterations));
}

/**
 * Writes a PKCS#12 bundle. Pass a bundle from `readPkcs12` to re-encode it (certificates, keys,
 * friendlyName and localKeyId are kept), or a key and certificates. The profile is `compat`
 * (3DES, HMAC-SHA1: what Azure AD B2C accepts) unless `modern` is asked for. The keys are
 * derived off the event loop or in paced slices, so a 600,000-iteration `modern` write does not
 * hold it.
 *
 * @example
 * ```ts
 * const bundle = await readPkcs12(await readFile('openssl3.pfx'), { password });
 * const der = await writePkcs12(bundle, { password }); // compat: what B2C accepts
 * await writeFile('b2c.pfx', der);
 * ```
 */
export async function writePkcs12(source: Pkcs12Bundle | WriteInput, options: WriteOptions): Promise<Uint8Array> {
  const profile = options.profile ?? DEFAULT_PROFILE;
  if (profile !== 'modern' && profile !== 'compat') throw new PfxkitError('USAGE', `unknown profile "${String(profile)}" (modern or compat)`);
  if (typeof options.password !== 'string') throw new PfxkitError('USAGE', 'a password is needed to write a bundle ("" for the empty password)');
  const iterations = options.iterations ?? PROFILE_DEFAULT_ITERATIONS[profile];
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new PfxkitError('USAGE', 'iterations must be a whole number from 1 to 10,000,000');
  }
  const { certs, keys } = 'keys' in source && 'certificateDer' in source ? fromBundle(source) : fromInput(source as WriteInput);
  if (certs.length === 0 && keys.length === 0) throw new PfxkitError('USAGE', 'nothing to write: no certificate and no key');
  const authSafe = await authenticatedSafe(certs, keys, profile, options.password, iterations);
  const mac = await macData(authSafe, profile, options.password, iterations);
  return w.encode(w.seq(w.int(3), w.seq(w.oid(OID.data), w.explicit(0, w.octets(authSafe))), mac));
}
