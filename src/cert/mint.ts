/**
 * Minting a self-signed client-authentication certificate: clientAuth EKU, digitalSignature key
 * usage (critical), CA:FALSE, SHA-256 (SHA-384 for P-384), a random positive 128-bit serial.
 */
import { createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
import { PfxkitError } from '../errors.js';
import { parseDn } from './dn.js';
import { parseCertificate, type CertificateInfo } from './facts.js';

export type KeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256' | 'ec-p384';
export const KEY_TYPES: readonly KeyType[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'];

export interface MintOptions {
  /** Distinguished name as printed (RFC 4514: `CN=api-client, O=Contoso`), or a bare common name. */
  subject: string;
  /** The moment of minting (the pure layer reads no clock). notBefore is 5 minutes earlier, for clock skew. */
  now: Date;
  /** Lifetime in days from `now` (default 365). */
  days?: number;
  /** Default `rsa-2048`. */
  key?: KeyType;
}

export interface MintedCertificate {
  certificate: CertificateInfo;
  /** DER of the certificate. */
  der: Uint8Array;
  /** PEM of the certificate: what the receiving API needs to trust it. */
  pem: string;
  key: KeyObject;
}

/** Back-dating of notBefore, so that a server whose clock is a little behind accepts it at once. */
const SKEW_SECONDS = 300;

function algorithms(key: KeyType): { gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams } {
  switch (key) {
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096': {
      const gen: RsaHashedKeyGenParams = {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: Number(key.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
      return { gen, sign: { name: 'RSASSA-PKCS1-v1_5' } };
    }
    case 'ec-p256':
      return { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
    case 'ec-p384':
      return { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams };
    default:
      throw new PfxkitError('USAGE', `unknown key type "${String(key)}" (${KEY_TYPES.join(', ')})`);
  }
}

/** One attribute value of a subject, with the ASN.1 string type it is encoded as. */
export type SubjectValue = { readonly ia5String: string } | { readonly printableString: string } | { readonly utf8String: string };

/**
 * A subject as {@link parseSubject} reads it, in X.500 (encoding) order: one entry per relative
 * distinguished name, mapping attribute type OIDs to their values.
 */
export type SubjectName = Record<string, SubjectValue[]>[];

/** E and DC are IA5String; other values PrintableString when they fit it, else UTF8String (as @peculiar/x509 chooses). */
function attributeValue(type: string, value: string): SubjectValue {
  if (type === '1.2.840.113549.1.9.1' || type === '0.9.2342.19200300.100.1.25') return { ia5String: value };
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? { printableString: value } : { utf8String: value };
}

/**
 * Parses `CN=a, O=b` as printed (most specific first; see {@link parseDn}) into the name that
 * {@link mintSelfSigned} encodes, in X.500 order, every value exactly as written.
 *
 * @example
 * ```ts
 * parseSubject('CN=api-client, O=Contoso');
 * // [{ '2.5.4.10': [{ printableString: 'Contoso' }] }, { '2.5.4.3': [{ printableString: 'api-client' }] }]
 * ```
 */
export function parseSubject(subject: string): SubjectName {
  return parseDn(subject)
    .slice()
    .reverse()
    .map((rdn) => {
      const item: Record<string, SubjectValue[]> = {};
      for (const a of rdn) (item[a.type] ??= []).push(attributeValue(a.type, a.value));
      return item;
    });
}

/**
 * Mints a self-signed client certificate and its key.
 *
 * @example
 * ```ts
 * const minted = await mintSelfSigned({ subject: 'CN=b2c-connector, O=Contoso', now: new Date(), days: 365 });
 * console.log(minted.certificate.thumbprint, minted.certificate.notAfter);
 * ```
 */
export async function mintSelfSigned(options: MintOptions): Promise<MintedCertificate> {
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new PfxkitError('USAGE', 'days must be a whole number from 1 to 36500');
  if (Number.isNaN(options.now.getTime())) throw new PfxkitError('USAGE', 'now is not a valid date');
  const { gen, sign } = algorithms(options.key ?? 'rsa-2048');
  const name = parseSubject(options.subject);
  // @peculiar/x509 (and the Reflect polyfill it needs) only when a certificate is minted.
  const { x509 } = await import('./x509.js');
  // @peculiar/x509 types its provider as the DOM's Crypto; Node's webcrypto is that at run time.
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1] & typeof webcrypto;
  const keys = (await webcrypto.subtle.generateKey(gen, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, 16 bytes
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(serial).toString('hex'),
      name: new x509.Name(name),
      notBefore: new Date((nowSeconds - SKEW_SECONDS) * 1000),
      notAfter: new Date((nowSeconds + days * 86_400) * 1000),
      signingAlgorithm: sign,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  const parsed = parseCertificate(der);
  parsed.info.hasPrivateKey = true;
  return { certificate: parsed.info, der, pem: cert.toString('pem'), key };
}
