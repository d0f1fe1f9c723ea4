/**
 * What the emulator reads of an uploaded PKCS#12 (a connector's pkcs12Value, a keyset's key): the
 * leaf certificate's facts, with Graph's and B2C's answers for what it refuses. The file and its
 * password are dropped after this.
 */
import { PfxkitError } from '../errors.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { HttpError } from './http-error.js';

export interface UploadedCertificate {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  der: Uint8Array;
  keyAlgorithm: string;
}

/** B2C's answer for a wrong password, and for an AES-encrypted file whatever its password. */
export const wrongPassword = (): HttpError => new HttpError(400, 'AADB2C90213', 'The certificate password provided in request is incorrect.');

/** Reads `value` (base64 PKCS#12) with `password`; `field` names the value in messages. */
export async function readUpload(value: unknown, password: unknown, options: { acceptAes?: boolean; field?: string } = {}): Promise<UploadedCertificate> {
  const field = options.field ?? 'pkcs12Value';
  if (typeof value !== 'string' || value === '') throw new HttpError(400, 'BadRequest', `${field} is required`);
  // Graph: "Required. If no password is used, you must still provide a value of ''."
  if (typeof password !== 'string') throw new HttpError(400, 'BadRequest', 'password is required ("" when the file has none)');
  try {
    const bundle = await readPkcs12(value, { password: password === '' ? undefined : password });
    if (!options.acceptAes && bundle.parts.some((p) => p.family === 'pbes2')) throw wrongPassword();
    const i = bundle.certificates.findIndex((c) => c.thumbprint === bundle.leaf);
    const leaf = bundle.certificates[i];
    if (!leaf) throw new HttpError(400, 'BadRequest', 'The certificate does not contain a private key for its certificate.');
    return { thumbprint: leaf.thumbprint, notBefore: leaf.notBefore, notAfter: leaf.notAfter, der: bundle.certificateDer[i]!, keyAlgorithm: leaf.keyAlgorithm };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof PfxkitError && err.code === 'BAD_PASSWORD') throw wrongPassword();
    throw new HttpError(400, 'BadRequest', `The ${field} is not a valid PKCS#12 certificate.`);
  }
}
