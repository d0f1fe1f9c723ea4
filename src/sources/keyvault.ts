/**
 * Key Vault as a bundle source, through the Azure SDK clients (@azure/keyvault-secrets and
 * @azure/keyvault-certificates, loaded on first use only: a command that does not touch a vault
 * never loads them). A certificate URL resolves to its secret (the certificate's `sid`); a secret
 * is a base64 PKCS#12 with the empty password (`application/x-pkcs12`) or PEM
 * (`application/x-pem-file`), which is packaged as a compat PKCS#12 with the empty password.
 *
 * Failures are KEYVAULT_AUTH (401/403, or no token), KEYVAULT_NOT_FOUND (404) and
 * KEYVAULT_UNAVAILABLE (429/5xx/network after retries), with Key Vault's own code and the
 * x-ms-request-id. The token never appears in a message.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '../lib/token-credential.js';
import type { CertificateClient } from '@azure/keyvault-certificates';
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { parseCertificate } from '../cert/facts.js';
import { PfxkitError, type PfxkitErrorCode } from '../errors.js';
import { redact } from '../lib/http.js';
import { toDer } from '../pkcs12/input.js';
import { pemToPkcs12 } from './pem.js';
import { retryPolicy } from './retry.js';
import type { RetryOptions } from './retry-options.js';
import { KEYVAULT_CLOUDS, parseKeyVaultUrl, type KeyVaultRef } from './url.js';

export interface KeyVaultOptions {
  /** Any TokenCredential (@azure/identity). Default: DefaultAzureCredential for the vault's cloud. */
  credential?: TokenCredential;
  /** A bearer token already in hand (PFXKIT_KEYVAULT_TOKEN); wins over `credential`. */
  token?: string;
  /**
   * Extra CA certificates (PEM) trusted for a vault on a loopback host only (a local stand-in with
   * a self-signed certificate), beside the usual roots. Processes can use NODE_EXTRA_CA_CERTS
   * instead. TLS verification is never turned off.
   */
  ca?: string | string[];
  /** Retries (429, 5xx, network), sleeper and clock; see RetryOptions. */
  retry?: RetryOptions;
}

/** A bundle read from Key Vault. */
export interface KeyVaultBundle {
  /** PKCS#12 DER: the secret's own bytes, or the PEM secret packaged as a compat PKCS#12. */
  pkcs12: Uint8Array;
  /** A Key Vault download has no password: the empty one. */
  password: '';
  /** The secret's content type as Key Vault gives it (null when unset). */
  contentType: string | null;
  /** True when the secret was PEM and `pkcs12` was made from it (compat profile). */
  fromPem: boolean;
  /** The secret URL with its version (what was read). */
  secretId: string;
  /** The certificate URL with its version, when the source was a certificate URL. */
  certificateId: string | null;
  /** The URL as given, parsed. */
  source: KeyVaultRef;
}

/** One certificate of a vault, current version. */
export interface KeyVaultCertificateInfo {
  /** Certificate URL with the current version. */
  id: string;
  name: string;
  version: string | null;
  /** SHA-1 of the DER, 40 uppercase hex (Graph's form). */
  thumbprint: string;
  /** From the certificate when Key Vault returned it (`cer`), else null. */
  subject: string | null;
  notBefore: number;
  notAfter: number;
  enabled: boolean;
}

/**
 * A fixed bearer token as a TokenCredential (for PFXKIT_KEYVAULT_TOKEN, or a token a pipeline
 * already has). It is handed to the SDK only; it never appears in a message.
 *
 * @example
 * ```ts
 * const credential = staticTokenCredential(process.env.KV_TOKEN!);
 * ```
 */
export function staticTokenCredential(token: string, expiresOnTimestamp: number = Date.now() + 3600_000): TokenCredential {
  if (!token) throw new PfxkitError('USAGE', 'the Key Vault access token is empty');
  return { getToken: async () => ({ token, expiresOnTimestamp, tokenType: 'Bearer' }) };
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** A credential whose failures are KEYVAULT_AUTH (never with a token in the message). */
function authErrors(credential: TokenCredential): TokenCredential {
  return {
    async getToken(scopes, options) {
      let token;
      try {
        token = await credential.getToken(scopes, options);
      } catch (err) {
        throw new PfxkitError('KEYVAULT_AUTH', `could not get a token for Key Vault (${Array.isArray(scopes) ? scopes.join(' ') : scopes}): ${redact(firstLine(err))}`, { cause: err });
      }
      if (!token) throw new PfxkitError('KEYVAULT_AUTH', 'no token was returned for Key Vault');
      return token;
    },
  };
}

async function credentialFor(ref: KeyVaultRef, options: KeyVaultOptions): Promise<TokenCredential> {
  if (options.token !== undefined) return staticTokenCredential(options.token);
  if (options.credential) return authErrors(options.credential);
  const { DefaultAzureCredential } = await import('@azure/identity');
  return authErrors(new DefaultAzureCredential({ authorityHost: KEYVAULT_CLOUDS[ref.cloud].authority }));
}

async function clientOptions(ref: KeyVaultRef, options: KeyVaultOptions): Promise<SecretClientOptions> {
  const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  // node:tls (a few milliseconds to load) only where extra roots are added.
  const roots = ref.loopback && extra.length ? (await import('node:tls')).rootCertificates : [];
  return {
    // Ours does the retrying, with an injectable sleeper (src/sources/retry.ts).
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: retryPolicy(options.retry), position: 'perCall' }],
    // A local stand-in answers the challenge with https://vault.azure.net as its resource.
    disableChallengeResourceVerification: ref.loopback,
    // Extra roots are added (never a replacement for verification), and for a loopback vault only.
    ...(roots.length ? { tlsOptions: { ca: [...roots, ...extra] } } : {}),
    userAgentOptions: { userAgentPrefix: 'pfxkit' },
  };
}

async function secretClient(ref: KeyVaultRef, options: KeyVaultOptions): Promise<SecretClient> {
  const { SecretClient } = await import('@azure/keyvault-secrets');
  return new SecretClient(ref.vaultUrl, await credentialFor(ref, options), await clientOptions(ref, options));
}

async function certificateClient(ref: KeyVaultRef, options: KeyVaultOptions): Promise<CertificateClient> {
  const { CertificateClient } = await import('@azure/keyvault-certificates');
  return new CertificateClient(ref.vaultUrl, await credentialFor(ref, options), await clientOptions(ref, options));
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

function codeFor(status: number): PfxkitErrorCode {
  if (status === 401 || status === 403) return 'KEYVAULT_AUTH';
  if (status === 404) return 'KEYVAULT_NOT_FOUND';
  return 'KEYVAULT_UNAVAILABLE';
}

/**
 * Any failure of a Key Vault call as a KEYVAULT_* PfxkitError: the status, Key Vault's own code
 * and message, and the x-ms-request-id. `secrets` are cut out of the message (the token).
 */
export function keyVaultError(err: unknown, what: string, secrets: string[] = []): PfxkitError {
  if (err instanceof PfxkitError) return err;
  const e = err as { name?: string; statusCode?: number; code?: string; message?: string; response?: { headers?: { get(name: string): string | undefined } } };
  if (e?.name === 'RestError' && typeof e.statusCode === 'number') {
    const rid = e.response?.headers?.get('x-ms-request-id') ?? '-';
    const kvCode = e.code && e.code !== 'undefined' ? e.code : 'error';
    const text = redact(`${what}: Key Vault answered ${e.statusCode} ${kvCode}: ${firstLine(err)} (x-ms-request-id ${rid})`, secrets);
    return new PfxkitError(codeFor(e.statusCode), text, { cause: err, serviceCode: e.code || undefined });
  }
  if (e?.code && TLS_CODES.test(e.code)) {
    return new PfxkitError('KEYVAULT_UNAVAILABLE', `${what}: the vault's TLS certificate is not trusted (${e.code}); for a local stand-in, trust its CA with NODE_EXTRA_CA_CERTS`, { cause: err });
  }
  const name = e?.name ?? '';
  if (/Credential|Authentication/.test(name)) {
    return new PfxkitError('KEYVAULT_AUTH', `${what}: could not get a token for Key Vault: ${redact(firstLine(err), secrets)}`, { cause: err });
  }
  return new PfxkitError('KEYVAULT_UNAVAILABLE', `${what}: no usable answer from Key Vault (${redact(firstLine(err), secrets)})${e?.code ? ` [${e.code}]` : ''}`, { cause: err });
}

/** A versioned secret id of this vault (`sid`), as name and version; never another host's. */
function secretOf(ref: KeyVaultRef, sid: string | undefined, what: string): { name: string; version: string | null } {
  if (!sid) throw new PfxkitError('KEYVAULT_NOT_FOUND', `${what}: Key Vault returned the certificate without its secret id (sid)`);
  const parsed = parseKeyVaultUrl(sid);
  if (parsed.vaultUrl !== ref.vaultUrl || parsed.kind !== 'secret') {
    throw new PfxkitError('KEYVAULT_UNAVAILABLE', `${what}: the certificate's secret id points at ${parsed.vaultUrl}, not this vault: not followed`);
  }
  return { name: parsed.name!, version: parsed.version };
}

/** The secret's value as PKCS#12 bytes. */
async function bundleBytes(value: string, contentType: string | null, what: string): Promise<{ pkcs12: Uint8Array; fromPem: boolean }> {
  const pem = contentType?.toLowerCase() === 'application/x-pem-file' || /-----BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)-----/.test(value);
  if (pem) return { pkcs12: await pemToPkcs12(value, { what }), fromPem: true };
  try {
    return { pkcs12: toDer(value), fromPem: false };
  } catch (err) {
    if (err instanceof PfxkitError) throw new PfxkitError(err.code, `${what} (content type ${contentType ?? 'unset'}): ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Reads a bundle from a Key Vault secret or certificate URL (current version unless the URL names
 * one). A certificate URL resolves to the certificate's secret (`sid`). The result's password is
 * the empty one, as Key Vault downloads have no password.
 *
 * @example
 * ```ts
 * const kv = await readKeyVaultBundle('https://contoso-kv.vault.azure.net/certificates/api-client', { credential: new DefaultAzureCredential() });
 * const bundle = await readPkcs12(kv.pkcs12, { password: kv.password });
 * await rotate({ http, bundle, pkcs12: kv.pkcs12, password: kv.password, connectors: ['id'], now: new Date() });
 * ```
 */
export async function readKeyVaultBundle(url: string, options: KeyVaultOptions = {}): Promise<KeyVaultBundle> {
  const ref = parseKeyVaultUrl(url);
  const secrets = options.token ? [options.token] : [];
  let secretName = ref.name!;
  let secretVersion = ref.version;
  let certificateId: string | null = null;
  if (ref.kind === 'certificate') {
    const client = await certificateClient(ref, options);
    try {
      const cert = ref.version ? await client.getCertificateVersion(ref.name!, ref.version) : await client.getCertificate(ref.name!);
      certificateId = cert.properties.id ?? null;
      const s = secretOf(ref, cert.secretId, ref.url);
      secretName = s.name;
      secretVersion = s.version;
    } catch (err) {
      throw keyVaultError(err, `certificate ${ref.url}`, secrets);
    }
  }
  const client = await secretClient(ref, options);
  const secretUrl = `${ref.vaultUrl}/secrets/${secretName}${secretVersion ? `/${secretVersion}` : ''}`;
  let secret;
  try {
    secret = await client.getSecret(secretName, secretVersion ? { version: secretVersion } : {});
  } catch (err) {
    throw keyVaultError(err, `secret ${secretUrl}`, secrets);
  }
  if (secret.value === undefined || secret.value === '') throw new PfxkitError('MALFORMED', `secret ${secretUrl} has no value`);
  const contentType = secret.properties.contentType ?? null;
  const { pkcs12, fromPem } = await bundleBytes(secret.value, contentType, `secret ${secretUrl}`);
  return { pkcs12, password: '', contentType, fromPem, secretId: secret.properties.id ?? secretUrl, certificateId, source: ref };
}

const epoch = (d: Date | undefined): number | null => (d ? Math.floor(d.getTime() / 1000) : null);

/**
 * Every certificate of a vault, current version each (all pages): listed, then each read for its
 * `cer` (thumbprint, subject, validity from the DER; Key Vault's x5t and attributes otherwise).
 * Needs the certificates/list and certificates/get permissions.
 *
 * @example
 * ```ts
 * for (const c of await listKeyVaultCertificates('https://contoso-kv.vault.azure.net')) console.log(c.name, c.thumbprint, c.notAfter);
 * ```
 */
export async function listKeyVaultCertificates(vaultUrl: string, options: KeyVaultOptions = {}): Promise<KeyVaultCertificateInfo[]> {
  const ref = parseKeyVaultUrl(vaultUrl.replace(/\/+$/, ''), { vaultOnly: true });
  const secrets = options.token ? [options.token] : [];
  const client = await certificateClient(ref, options);
  const names: string[] = [];
  try {
    for await (const p of client.listPropertiesOfCertificates()) if (p.name) names.push(p.name);
  } catch (err) {
    throw keyVaultError(err, `listing the certificates of ${ref.vaultUrl}`, secrets);
  }
  const out: KeyVaultCertificateInfo[] = [];
  for (const name of names) {
    let cert;
    try {
      cert = await client.getCertificate(name);
    } catch (err) {
      throw keyVaultError(err, `certificate ${ref.vaultUrl}/certificates/${name}`, secrets);
    }
    const p = cert.properties;
    const id = p.id ?? `${ref.vaultUrl}/certificates/${name}`;
    if (cert.cer?.length) {
      const info = parseCertificate(cert.cer, `certificate ${id}`).info;
      out.push({ id, name, version: p.version ?? null, thumbprint: info.thumbprint, subject: info.subject, notBefore: info.notBefore, notAfter: info.notAfter, enabled: p.enabled !== false });
      continue;
    }
    const thumb = p.x509Thumbprint;
    const nb = epoch(p.notBefore);
    const na = epoch(p.expiresOn);
    if (!thumb || nb === null || na === null) throw new PfxkitError('KEYVAULT_UNAVAILABLE', `certificate ${id}: Key Vault returned neither its cer nor its x5t and validity`);
    out.push({
      id,
      name,
      version: p.version ?? null,
      thumbprint: Buffer.from(thumb).toString('hex').toUpperCase(),
      subject: cert.policy?.subject ?? null,
      notBefore: nb,
      notAfter: na,
      enabled: p.enabled !== false,
    });
  }
  return out;
}

/** SHA-1 of a DER certificate as Key Vault's `x5t` (base64url). */
export function x5tOf(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('base64url');
}
