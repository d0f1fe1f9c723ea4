/**
 * One small rule per finding code, run in order. Each rule sees the same context and returns
 * its findings (usually none or one). Messages say what is wrong and what to do.
 */
import * as der from '../lib/der.js';
import type { CertificateExtensions, CertificateInfo } from '../cert/facts.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import type { Finding, FindingCode, Severity } from './types.js';
import { isoSeconds, plural } from '../lib/text.js';

export interface RuleContext {
  readonly bundle: Pkcs12Bundle;
  /** Epoch seconds. */
  readonly now: number;
  readonly minDays: number;
  readonly maxValidityDays: number;
  readonly leaf: CertificateInfo | null;
  /** The leaf's extensions. */
  readonly leafExtensions: CertificateExtensions | null;
}

export type Rule = (ctx: RuleContext) => Finding[];

const DAY = 86_400;
const f = (code: FindingCode, severity: Severity, message: string): Finding[] => [{ code, severity, message }];

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const KU_DIGITAL_SIGNATURE = 1;

/** Signature algorithms whose hash is broken for signatures. */
const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'MD2 with RSA',
  '1.2.840.113549.1.1.4': 'MD5 with RSA',
  '1.2.840.113549.1.1.5': 'SHA-1 with RSA',
  '1.3.14.3.2.29': 'SHA-1 with RSA',
  '1.2.840.10045.4.1': 'ECDSA with SHA-1',
  '1.2.840.10040.4.3': 'DSA with SHA-1',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** The weak hash a certificate is signed with, or null. */
export function weakSignature(certDer: Uint8Array): string | null {
  try {
    const cert = der.seq(der.decode(certDer, 'certificate').node, 'certificate', 3);
    const alg = der.algorithm(cert[1], 'signature algorithm');
    if (WEAK_SIGNATURES[alg.oid]) return WEAK_SIGNATURES[alg.oid]!;
    if (alg.oid === RSASSA_PSS) {
      // RSASSA-PSS-params: hashAlgorithm [0] defaults to SHA-1.
      const params = alg.params ? der.seq(alg.params, 'RSASSA-PSS parameters') : [];
      const hash = params.find((p) => der.isContext(p, 0));
      if (!hash) return 'RSASSA-PSS with SHA-1';
      const h = der.algorithm(der.explicit(hash, 0, 'PSS hash'), 'PSS hash').oid;
      if (h === '1.3.14.3.2.26') return 'RSASSA-PSS with SHA-1';
    }
    return null;
  } catch {
    return null;
  }
}

export const noCertificate: Rule = ({ bundle }) =>
  bundle.certificates.length === 0 ? f('NO_CERTIFICATE', 'error', 'the bundle holds no certificate: export it again with the certificate (openssl pkcs12 -export -in cert.pem -inkey key.pem)') : [];

export const noPrivateKey: Rule = ({ bundle }) =>
  bundle.privateKeys === 0 ? f('NO_PRIVATE_KEY', 'error', 'the bundle holds no private key: Graph needs the key to authenticate; export the certificate together with its private key') : [];

export const keyMismatch: Rule = ({ bundle }) => {
  if (bundle.certificates.length === 0) return [];
  const orphans = bundle.keys.filter((k) => k.certificate === null).length;
  if (orphans === 0) return [];
  return f(
    'KEY_MISMATCH',
    'error',
    bundle.leaf === null
      ? 'the private key does not belong to any certificate in the bundle: bundle the certificate that was issued for this key'
      : `${plural(orphans, 'private key')} in the bundle belong${orphans === 1 ? 's' : ''} to no certificate: remove ${orphans === 1 ? 'it' : 'them'}`,
  );
};

export const multipleKeys: Rule = ({ bundle }) =>
  bundle.privateKeys > 1 ? f('MULTIPLE_KEYS', 'error', `the bundle holds ${bundle.privateKeys} private keys: a connector certificate is one identity; export one certificate with its key`) : [];

export const expired: Rule = ({ leaf, now }) =>
  leaf && leaf.notAfter <= now ? f('EXPIRED', 'error', `the certificate expired at ${isoSeconds(leaf.notAfter)} (${leaf.notAfter}): issue a new one (pfxkit new) and rotate`) : [];

export const notYetValid: Rule = ({ leaf, now }) =>
  leaf && leaf.notBefore > now
    ? f('NOT_YET_VALID', 'error', `the certificate is not valid before ${isoSeconds(leaf.notBefore)} (${leaf.notBefore}): Graph will not make it active until then; check the issuer's clock or wait`)
    : [];

export const expiresSoon: Rule = ({ leaf, now, minDays }) => {
  if (!leaf || leaf.notAfter <= now) return [];
  const left = (leaf.notAfter - now) / DAY;
  return left < minDays
    ? f('EXPIRES_SOON', 'warning', `the certificate expires in ${plural(Math.floor(left), 'day')} (${isoSeconds(leaf.notAfter)}), under the ${minDays}-day minimum: rotate to a newer one`)
    : [];
};

export const weakKey: Rule = ({ leaf }) => {
  if (!leaf || leaf.keySize === null) return [];
  const min: Record<string, number> = { RSA: 2048, 'RSA-PSS': 2048, DSA: 2048, EC: 256 };
  const floor = min[leaf.keyAlgorithm];
  return floor !== undefined && leaf.keySize < floor
    ? f('WEAK_KEY', 'warning', `${leaf.keyAlgorithm} ${leaf.keySize}-bit key is below ${floor} bits: mint a new certificate with a stronger key (pfxkit new --key rsa-2048)`)
    : [];
};

export const weakSignatureRule: Rule = ({ bundle }) => {
  const out: Finding[] = [];
  bundle.certificates.forEach((c, i) => {
    const selfSigned = c.subject === c.issuer;
    // A root's own signature is not checked by anyone; a self-signed leaf's is what the API pins.
    if (selfSigned && i > 0) return;
    const weak = weakSignature(bundle.certificateDer[i]!);
    if (weak) {
      out.push({
        code: 'WEAK_SIGNATURE',
        severity: 'warning',
        message: `${i === 0 ? 'the certificate' : `chain certificate ${c.subject}`} is signed with ${weak}: many TLS stacks refuse it; reissue it with SHA-256`,
      });
    }
  });
  return out;
};

export const noIntegrity: Rule = ({ bundle }) =>
  bundle.integrity.kind === 'none' ? f('NO_INTEGRITY', 'warning', 'the bundle has no MAC, so changes to it go unnoticed: re-encode it with pfxkit convert') : [];

/** A private key in a plain keyBag (what openssl -info shows as "Key bag"), not a pkcs8ShroudedKeyBag. */
export const keyUnencrypted: Rule = ({ bundle }) => {
  const plain = bundle.keys.filter((k) => k.storage !== 'shrouded');
  if (plain.length === 0) return [];
  const bare = plain.some((k) => k.storage === 'plain');
  return f(
    'KEY_UNENCRYPTED',
    'warning',
    bare
      ? 'the private key is stored without encryption (a plain keyBag in an unencrypted safe): anyone who gets the file has the key; re-encode it with pfxkit convert'
      : 'the private key is stored in a plain keyBag, protected only by the encrypted safe around it (not a pkcs8ShroudedKeyBag); re-encode it with pfxkit convert',
  );
};

export const noClientAuthEku: Rule = ({ leafExtensions }) => {
  if (!leafExtensions) return [];
  const usages = leafExtensions.extendedKeyUsage;
  if (!usages) {
    return f('NO_CLIENT_AUTH_EKU', 'info', 'the certificate has no extended key usage: fine for most APIs, but some require clientAuth (pfxkit new adds it)');
  }
  return usages.includes(CLIENT_AUTH) || usages.includes(ANY_EKU)
    ? []
    : f('NO_CLIENT_AUTH_EKU', 'warning', "the certificate's extended key usage lacks clientAuth (1.3.6.1.5.5.7.3.2): a TLS server checking it will refuse the client certificate");
};

export const keyUsage: Rule = ({ leafExtensions }) => {
  const ku = leafExtensions?.keyUsage ?? null;
  return ku !== null && (ku & KU_DIGITAL_SIGNATURE) === 0
    ? f('KEY_USAGE', 'warning', "the certificate's key usage lacks digitalSignature, which a TLS client signature needs: reissue it with digitalSignature")
    : [];
};

export const caCertificate: Rule = ({ leaf, leafExtensions }) => {
  if (!leaf || !leafExtensions?.ca) return [];
  // `openssl req -x509` marks self-signed certificates CA:TRUE by default; pinned, they work.
  return leaf.subject === leaf.issuer
    ? f(
        'CA_CERTIFICATE',
        'info',
        'the self-signed certificate is marked CA:TRUE (openssl req -x509 does that): fine for an API that pins it, but one that validates chains may refuse a CA certificate from a client',
      )
    : f('CA_CERTIFICATE', 'warning', 'the certificate is a CA certificate (basicConstraints CA:TRUE): servers may refuse it as a client certificate; use an end-entity certificate');
};

export const longValidity: Rule = ({ leaf, maxValidityDays }) => {
  if (!leaf) return [];
  const days = Math.floor((leaf.notAfter - leaf.notBefore) / DAY);
  return days > maxValidityDays
    ? f(
        'LONG_VALIDITY',
        'warning',
        `the certificate is valid for ${days} days, more than ${maxValidityDays}: an API that limits lifetimes may refuse it, and a long-lived key is a bigger risk; prefer shorter certificates rotated by pfxkit`,
      )
    : [];
};

export const encryptionCompat: Rule = ({ bundle }) =>
  bundle.parts.some((p) => p.cipher.startsWith('AES'))
    ? f(
        'ENCRYPTION_COMPAT',
        'warning',
        'the bundle is AES-encrypted (OpenSSL 3\'s default): Azure AD B2C is reported to answer AADB2C90213 "The certificate password provided in request is incorrect" even with the right password; re-encode it with pfxkit convert --profile compat (3DES, SHA-1 MAC)',
      )
    : [];

export const weakEncryption: Rule = ({ bundle }) => {
  const weak = bundle.parts.filter((p) => p.part === 'key' && (/RC4|RC2-40|^DES-CBC|40-bit/.test(p.cipher) || p.iterations < 1000));
  return weak.length
    ? f(
        'WEAK_ENCRYPTION',
        'warning',
        `the private key is protected by ${weak.map((p) => `${p.cipher} with ${p.iterations} iterations`).join(', ')}: a leaked file is easy to crack; re-encode it with pfxkit convert`,
      )
    : [];
};

export const chainIncomplete: Rule = ({ bundle, leaf }) => {
  if (!leaf || leaf.subject === leaf.issuer) return [];
  return bundle.certificates.some((c) => c.subject === leaf.issuer) ? [] : f('CHAIN_INCOMPLETE', 'info', `the issuer (${leaf.issuer}) is not in the bundle: the API must already trust it`);
};

/** The rules, in the order findings are reported. */
export const RULES: readonly Rule[] = [
  noCertificate,
  noPrivateKey,
  keyMismatch,
  multipleKeys,
  expired,
  notYetValid,
  expiresSoon,
  weakKey,
  weakSignatureRule,
  noIntegrity,
  keyUnencrypted,
  noClientAuthEku,
  keyUsage,
  caCertificate,
  longValidity,
  encryptionCompat,
  weakEncryption,
  chainIncomplete,
];
