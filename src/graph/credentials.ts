/**
 * Where the bearer token comes from: a token a pipeline already has, a certificate in a PFX
 * (converted to PEM in memory for ClientCertificateCredential), or DefaultAzureCredential. Any
 * TokenCredential works; tokens are cached and refreshed five minutes before they expire.
 */
import type { AccessToken, TokenCredential } from '../lib/token-credential.js';
import { PfxkitError } from '../errors.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import type { Cloud } from './clouds.js';
import { CLOUDS } from './clouds.js';

/** What the HTTP layer asks for a token. */
export interface TokenSource {
  getToken(): Promise<string>;
}

const REFRESH_MARGIN_MS = 5 * 60_000;

/** A fixed token (PFXKIT_ACCESS_TOKEN). */
export function staticToken(token: string): TokenSource {
  if (!token) throw new PfxkitError('USAGE', 'the access token is empty');
  return { getToken: async () => token };
}

/** A TokenCredential for `scope`, cached until five minutes before expiry. `now` is injectable. */
export function credentialToken(credential: TokenCredential, scope: string, now: () => number = Date.now): TokenSource {
  let cached: AccessToken | null = null;
  let pending: Promise<AccessToken> | null = null;
  return {
    async getToken() {
      if (cached && cached.expiresOnTimestamp - REFRESH_MARGIN_MS > now()) return cached.token;
      pending ??= credential.getToken(scope).then(
        (t) => {
          pending = null;
          if (!t) throw new PfxkitError('GRAPH_AUTH', 'no token was returned for Graph');
          return t;
        },
        (err: unknown) => {
          pending = null;
          throw new PfxkitError('GRAPH_AUTH', `could not get a token for Graph: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { cause: err });
        },
      );
      cached = await pending;
      return cached.token;
    },
  };
}

/** PEM of the leaf certificate and its key, for ClientCertificateCredential. Kept in memory only. */
export function bundleToPem(bundle: Pkcs12Bundle): string {
  const key = bundle.keys.find((k) => k.certificate === bundle.leaf)?.key;
  const der = bundle.certificateDer[0];
  if (!key || !der || bundle.leaf === null) {
    throw new PfxkitError('USAGE', '--auth-pfx needs a bundle with a certificate and its private key');
  }
  const cert = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return `${key.export({ format: 'pem', type: 'pkcs8' }).toString()}${cert}`;
}

/** Sign in as an app with a certificate (tenant and client id from AZURE_TENANT_ID / AZURE_CLIENT_ID). */
export async function certificateCredential(bundle: Pkcs12Bundle, tenantId: string | undefined, clientId: string | undefined, cloud: Cloud): Promise<TokenCredential> {
  if (!tenantId || !clientId) throw new PfxkitError('USAGE', '--auth-pfx needs AZURE_TENANT_ID and AZURE_CLIENT_ID in the environment');
  const { ClientCertificateCredential } = await import('@azure/identity');
  return new ClientCertificateCredential(tenantId, clientId, { certificate: bundleToPem(bundle) }, { authorityHost: CLOUDS[cloud].authority });
}

/** DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...). */
export async function defaultCredential(cloud: Cloud): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential({ authorityHost: CLOUDS[cloud].authority });
}
