/** convertPkcs12 and createClientBundle: the library functions behind `pfxkit convert` and `pfxkit new`. */
import { mintSelfSigned, type KeyType } from '../cert/mint.js';
import type { CertificateInfo } from '../cert/facts.js';
import { PfxkitError } from '../errors.js';
import type { Pkcs12Bundle } from './bundle.js';
import { readPkcs12 } from './read.js';
import { DEFAULT_PROFILE, PROFILE_DEFAULT_ITERATIONS, writePkcs12, type WriteProfile } from './write.js';

export interface ConvertOptions {
  /** Password of the input (absent: the absent and the empty password are tried). */
  password?: string;
  /** Password of the output (default: the input's; "" when the input had none). */
  newPassword?: string;
  /** Default `compat` (writePkcs12's): what Azure AD B2C accepts (TripleDES-SHA1). */
  profile?: WriteProfile;
  iterations?: number;
  maxIterations?: number;
}

export interface Converted {
  /** The new PKCS#12 bytes. */
  pkcs12: Uint8Array;
  /** The new bytes as read back with the new password. */
  bundle: Pkcs12Bundle;
  profile: WriteProfile;
}

/** Reads back what was written and checks it holds the same certificates and keys. */
async function verified(pkcs12: Uint8Array, password: string, expect: Pkcs12Bundle | { certificates: CertificateInfo[]; privateKeys: number }, iterations: number): Promise<Pkcs12Bundle> {
  // Our own output: a MAC and a part per certificate safe and key, each at `iterations`, weighted
  // up to 2.1 (kdf.ts's workOf); the budget follows maxIterations (limits.ts), so it is set to cover them.
  const back = await readPkcs12(pkcs12, { password, maxIterations: Math.max(iterations, 1) * 3 * (1 + expect.privateKeys) });
  const same =
    back.privateKeys === expect.privateKeys && back.certificates.length === expect.certificates.length && back.certificates.every((c, i) => c.thumbprint === expect.certificates[i]!.thumbprint);
  if (!same) throw new PfxkitError('VERIFY_FAILED', 'the re-encoded bundle does not read back with the same certificates and keys; nothing was written');
  return back;
}

/**
 * Re-encodes a bundle in another profile and/or with another password. The output is read back
 * and compared before it is returned.
 *
 * @example
 * ```ts
 * const { pkcs12 } = await convertPkcs12(await readFile('openssl3.pfx'), { password, profile: 'compat' });
 * await writeFile('for-b2c.pfx', pkcs12);
 * ```
 */
export async function convertPkcs12(data: Uint8Array | string, options: ConvertOptions = {}): Promise<Converted> {
  const bundle = await readPkcs12(data, { password: options.password, maxIterations: options.maxIterations });
  return convertBundle(bundle, options);
}

/**
 * convertPkcs12 for a bundle already read (its keys are needed, so it must come from readPkcs12).
 *
 * @example
 * ```ts
 * const { pkcs12 } = await convertBundle(await readPkcs12(bytes, { password }), { password, profile: 'compat' });
 * ```
 */
export async function convertBundle(bundle: Pkcs12Bundle, options: Omit<ConvertOptions, 'maxIterations'> = {}): Promise<Converted> {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const password = options.newPassword ?? options.password ?? '';
  const iterations = options.iterations ?? PROFILE_DEFAULT_ITERATIONS[profile];
  const pkcs12 = await writePkcs12(bundle, { password, profile, iterations });
  return { pkcs12, bundle: await verified(pkcs12, password, bundle, iterations), profile };
}

/**
 * Why Azure AD B2C would refuse this encoding: B2C documents TripleDES-SHA1 ("as opposed to
 * AES256-SHA256") and answers AADB2C90213 otherwise. Empty when the bundle is in that form.
 *
 * @example
 * ```ts
 * if (b2cEncodingGaps(bundle).length) ({ pkcs12 } = await convertBundle(bundle, { password }));
 * ```
 */
export function b2cEncodingGaps(bundle: Pkcs12Bundle): string[] {
  const gaps: string[] = [];
  const pbes2 = [...new Set(bundle.parts.filter((p) => p.family === 'pbes2').map((p) => p.cipher))];
  if (pbes2.length) gaps.push(`${pbes2.join(' and ')} encryption (PBES2)`);
  const { kind, digest } = bundle.integrity;
  if (kind === 'pbmac1') gaps.push('a PBMAC1 MAC');
  else if (kind === 'mac' && digest !== 'sha1') gaps.push(`an HMAC-${(digest ?? '?').toUpperCase()} MAC`);
  return gaps;
}

export interface CreateOptions {
  subject: string;
  now: Date;
  days?: number;
  key?: KeyType;
  /** Password of the new bundle ("" for the empty password). */
  password: string;
  /** Default `compat` (writePkcs12's): what Azure AD B2C accepts (TripleDES-SHA1). */
  profile?: WriteProfile;
  iterations?: number;
  friendlyName?: string;
}

export interface Created {
  pkcs12: Uint8Array;
  certificate: CertificateInfo;
  /** The certificate alone, PEM: hand it to the API that must trust the client. */
  certificatePem: string;
  profile: WriteProfile;
}

/**
 * Mints a self-signed client-authentication certificate and returns it as a PKCS#12 bundle.
 *
 * @example
 * ```ts
 * const created = await createClientBundle({ subject: 'CN=b2c-connector', now: new Date(), password });
 * await writeFile('connector.pfx', created.pkcs12);
 * console.log(created.certificate.thumbprint);
 * ```
 */
export async function createClientBundle(options: CreateOptions): Promise<Created> {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const minted = await mintSelfSigned({ subject: options.subject, now: options.now, days: options.days, key: options.key });
  const iterations = options.iterations ?? PROFILE_DEFAULT_ITERATIONS[profile];
  const pkcs12 = await writePkcs12(
    { certificates: [minted.der], key: minted.key, friendlyName: options.friendlyName ?? minted.certificate.subject },
    { password: options.password, profile, iterations },
  );
  const back = await verified(pkcs12, options.password, { certificates: [minted.certificate], privateKeys: 1 }, iterations);
  return { pkcs12, certificate: back.certificates[0]!, certificatePem: minted.pem, profile };
}
