/**
 * writePkcs12: a bundle (or a key and certificates) → PKCS#12 DER, in one of two profiles.
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
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as w from '../lib/derw.js';
import type { Pkcs12Bundle } from './bundle.js';
import { KDF_ID, bmpPassword, pkcs12KdfSync as pkcs12Kdf, utf8Password } from './kdf.js';
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
  /** Default `modern`. */
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
  const certs = input.certificates.map((der, i) => ({ der, friendlyName: i === 0 ? input.friendlyName ?? null : null, localKeyId: i === 0 && input.key ? id : null }));
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

function encryptor(profile: WriteProfile, password: string, iterations: number): Encryptor {
  if (profile === 'modern') {
    const salt = randomBytes(16);
    const iv = randomBytes(16);
    const key = pbkdf2Sync(utf8Password(password), salt, iterations, 32, 'sha256');
    return {
      algorithm: w.algorithm(
        OID.pbes2,
        w.seq(
          w.algorithm(OID.pbkdf2, w.seq(w.octets(salt), w.int(iterations), w.algorithm(OID.hmacWithSHA256, w.nul()))),
          w.algorithm(OID.aes256CBC, w.octets(iv)),
        ),
      ),
      encrypt: (plain) => cbc('aes-256-cbc', key, iv, plain),
    };
  }
  const salt = randomBytes(8);
  const pw = bmpPassword(password);
  const sha1 = DIGESTS[OID.sha1]!;
  const key = pkcs12Kdf(sha1, pw, salt, KDF_ID.key, iterations, 24);
  const iv = pkcs12Kdf(sha1, pw, salt, KDF_ID.iv, iterations, 8);
  return {
    algorithm: w.algorithm(OID.pbeWithSHAAnd3KeyTripleDESCBC, w.seq(w.octets(salt), w.int(iterations))),
    encrypt: (plain) => cbc('des-ede3-cbc', key, iv, plain),
  };
}

function cbc(name: string, key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  const c = createCipheriv(name, key, iv);
  return new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
}

/**
 * Writes a PKCS#12 bundle. Pass a bundle from `readPkcs12` to re-encode it (certificates, keys,
 * friendlyName and localKeyId are kept), or a key and certificates.
 *
 * @example
 * ```ts
 * const bundle = await readPkcs12(await readFile('openssl3.pfx'), { password });
 * const der = writePkcs12(bundle, { password, profile: 'compat' }); // what B2C accepts
 * await writeFile('b2c.pfx', der);
 * ```
 */
export function writePkcs12(source: Pkcs12Bundle | WriteInput, options: WriteOptions): Uint8Array {
  const profile = options.profile ?? 'modern';
  if (profile !== 'modern' && profile !== 'compat') throw new PfxkitError('USAGE', `unknown profile "${String(profile)}" (modern or compat)`);
  if (typeof options.password !== 'string') throw new PfxkitError('USAGE', 'a password is needed to write a bundle ("" for the empty password)');
  const iterations = options.iterations ?? PROFILE_DEFAULT_ITERATIONS[profile];
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new PfxkitError('USAGE', 'iterations must be a whole number from 1 to 10,000,000');
  }
  const { certs, keys } = 'keys' in source && 'certificateDer' in source ? fromBundle(source) : fromInput(source as WriteInput);
  if (certs.length === 0 && keys.length === 0) throw new PfxkitError('USAGE', 'nothing to write: no certificate and no key');

  const safes: w.Enc[] = [];
  if (certs.length) {
    const bags = certs.map((c) =>
      w.seq(w.oid(OID.certBag), w.explicit(0, w.seq(w.oid(OID.x509Certificate), w.explicit(0, w.octets(c.der)))), ...attributes(c.friendlyName, c.localKeyId)),
    );
    const enc = encryptor(profile, options.password, iterations);
    const encrypted = enc.encrypt(w.encode(w.seq(...bags)));
    safes.push(
      w.seq(
        w.oid(OID.encryptedData),
        w.explicit(0, w.seq(w.int(0), w.seq(w.oid(OID.data), enc.algorithm, w.implicitOctets(0, encrypted)))),
      ),
    );
  }
  if (keys.length) {
    const bags = keys.map((k) => {
      const enc = encryptor(profile, options.password, iterations);
      const epki = w.seq(enc.algorithm, w.octets(enc.encrypt(k.pkcs8)));
      return w.seq(w.oid(OID.pkcs8ShroudedKeyBag), w.explicit(0, epki), ...attributes(k.friendlyName, k.localKeyId));
    });
    safes.push(w.seq(w.oid(OID.data), w.explicit(0, w.octets(w.encode(w.seq(...bags))))));
  }
  const authSafe = w.encode(w.seq(...safes));

  const digest = DIGESTS[profile === 'modern' ? OID.sha256 : OID.sha1]!;
  const macSalt = randomBytes(profile === 'modern' ? 16 : 8);
  const macKey = pkcs12Kdf(digest, bmpPassword(options.password), macSalt, KDF_ID.mac, iterations, digest.u);
  const mac = createHmac(digest.node, macKey).update(authSafe).digest();
  const macData = w.seq(w.seq(w.algorithm(profile === 'modern' ? OID.sha256 : OID.sha1, w.nul()), w.octets(mac)), w.octets(macSalt), w.int(iterations));
  return w.encode(w.seq(w.int(3), w.seq(w.oid(OID.data), w.explicit(0, w.octets(authSafe))), macData));
}
