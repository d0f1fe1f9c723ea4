/**
 * A PEM secret as Key Vault keeps it (content type `application/x-pem-file`: the PKCS#8 private
 * key and the certificate chain, leaf first) packaged as a `compat` PKCS#12 with the empty
 * password, so that the rest of the pipeline (read, validate, rotate) is the same as for a PFX.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import { writePkcs12 } from '../pkcs12/write.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * PEM text (certificates and one unencrypted private key, in any order) → PKCS#12 DER, compat
 * profile (3DES, HMAC-SHA1: what B2C accepts), empty password. The certificate that matches the key
 * goes first; the others keep their order.
 *
 * @example
 * ```ts
 * const pkcs12 = await pemToPkcs12(secret.value); // then readPkcs12(pkcs12, { password: '' })
 * ```
 */
export async function pemToPkcs12(text: string, options: { what?: string } = {}): Promise<Uint8Array> {
  const what = options.what ?? 'the PEM secret';
  const certificates: { der: Uint8Array; x509: X509Certificate }[] = [];
  let key: KeyObject | null = null;
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1]!;
    if (label === 'CERTIFICATE') {
      let x509: X509Certificate;
      try {
        x509 = new X509Certificate(m[0]);
      } catch (err) {
        throw new PfxkitError('MALFORMED', `${what}: certificate ${certificates.length + 1} is not a readable X.509 certificate`, { cause: err });
      }
      certificates.push({ der: new Uint8Array(x509.raw), x509 });
    } else if (label === 'PRIVATE KEY' || label === 'RSA PRIVATE KEY' || label === 'EC PRIVATE KEY') {
      if (key) throw new PfxkitError('MALFORMED', `${what} holds more than one private key`);
      try {
        key = createPrivateKey({ key: m[0], format: 'pem' });
      } catch (err) {
        // Never the key material itself: only what kind of block it was.
        throw new PfxkitError('MALFORMED', `${what}: the ${label} block is not a readable private key`, { cause: err });
      }
    } else if (label === 'ENCRYPTED PRIVATE KEY') {
      throw new PfxkitError('MALFORMED', `${what} holds an encrypted private key: Key Vault keeps PEM keys unencrypted; export it again without a passphrase`);
    }
  }
  if (!certificates.length) throw new PfxkitError('MALFORMED', `${what} holds no certificate`);
  if (!key) throw new PfxkitError('MALFORMED', `${what} holds no private key (PKCS#8 "PRIVATE KEY" block expected)`);
  const privateKey = key;
  const leafIndex = certificates.findIndex((c) => {
    try {
      return c.x509.checkPrivateKey(privateKey);
    } catch {
      return false;
    }
  });
  if (leafIndex < 0) throw new PfxkitError('MALFORMED', `${what}: the private key matches none of its ${certificates.length} certificate(s)`);
  const ordered = [certificates[leafIndex]!, ...certificates.filter((_, i) => i !== leafIndex)].map((c) => c.der);
  return writePkcs12({ certificates: ordered, key: privateKey }, { password: '', profile: 'compat' });
}
