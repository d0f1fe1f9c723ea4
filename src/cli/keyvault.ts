/**
 * Key Vault access for commands (SPEC.md "Sources"): the token is PFXKIT_KEYVAULT_TOKEN if set,
 * else the same chain as Graph: --auth-pfx FILE (AZURE_TENANT_ID / AZURE_CLIENT_ID), else
 * DefaultAzureCredential, with the vault's cloud authority (the scope comes from the vault's
 * challenge: https://vault.azure.net/.default or the cloud's). For a vault on a loopback host (a
 * local stand-in), the CA file in NODE_EXTRA_CA_CERTS is also handed to the client, so that the
 * in-process CLI (tests) trusts what a process would.
 */
import { readFile } from 'node:fs/promises';
import { PfxkitError } from '../errors.js';
import { bundleToPem } from '../graph/credentials.js';
import type { KeyVaultOptions } from '../sources/keyvault.js';
import { KEYVAULT_CLOUDS, type KeyVaultRef } from '../sources/url.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';
import { readAuthPfx } from './graph.js';

export const KEYVAULT_HELP = `Key Vault sources: FILE may be https://VAULT.vault.azure.net/secrets/NAME[/VERSION] or
  …/certificates/NAME[/VERSION] (a certificate URL reads its secret; national clouds:
  vault.usgovcloudapi.net, vault.azure.cn). A Key Vault download has no password (the empty
  one): no --password-* option is needed or taken. A PEM secret (application/x-pem-file) is
  packaged as a compat PKCS#12. Token: env PFXKIT_KEYVAULT_TOKEN if set; else --auth-pfx (where
  the command has it); else DefaultAzureCredential. Permission: secrets get (and certificates get
  for a certificate URL). A vault on 127.0.0.1/localhost/::1 over https is accepted for local
  stand-ins; trust its certificate with NODE_EXTRA_CA_CERTS.`;

async function authPfxCredential(file: string, parsed: Parsed, io: Io, ref: KeyVaultRef): Promise<KeyVaultOptions['credential']> {
  const bundle = await readAuthPfx(file, parsed, io);
  const tenantId = io.env.AZURE_TENANT_ID;
  const clientId = io.env.AZURE_CLIENT_ID;
  if (!tenantId || !clientId) throw new PfxkitError('USAGE', '--auth-pfx needs AZURE_TENANT_ID and AZURE_CLIENT_ID in the environment');
  const { ClientCertificateCredential } = await import('@azure/identity');
  return new ClientCertificateCredential(tenantId, clientId, { certificate: bundleToPem(bundle) }, { authorityHost: KEYVAULT_CLOUDS[ref.cloud].authority, additionallyAllowedTenants: ['*'] });
}

/** Extra CA PEM for a loopback vault: the file named by NODE_EXTRA_CA_CERTS in the command's environment. */
async function loopbackCa(ref: KeyVaultRef, io: Io): Promise<string | undefined> {
  const path = io.env.NODE_EXTRA_CA_CERTS;
  if (!ref.loopback || !path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new PfxkitError('USAGE', `NODE_EXTRA_CA_CERTS: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/** The Key Vault options of a command, for the vault `ref` points at. */
export async function keyVaultOptions(ref: KeyVaultRef, parsed: Parsed, io: Io): Promise<KeyVaultOptions> {
  const ca = await loopbackCa(ref, io);
  const log = parsed.values.verbose ? (line: string) => io.stderr.write(`pfxkit: ${line}\n`) : undefined;
  const base: KeyVaultOptions = { ...(ca ? { ca } : {}), retry: { log } };
  const envToken = io.env.PFXKIT_KEYVAULT_TOKEN;
  if (envToken !== undefined && envToken !== '') return { ...base, token: envToken };
  const authPfx = parsed.values['auth-pfx'];
  if (typeof authPfx === 'string') return { ...base, credential: await authPfxCredential(authPfx, parsed, io, ref) };
  // No credential: the library uses DefaultAzureCredential with the vault cloud's authority.
  return base;
}

/**
 * Key Vault access for `report --keyvault VAULT_URL...`: pass as `keyVault` to reportKeyVault.
 * A bad vault URL becomes that vault's errors entry (USAGE), like any vault that cannot be read.
 */
export function keyVaultAccess(parsed: Parsed, io: Io): (vaultUrl: string) => Promise<KeyVaultOptions> {
  return async (vaultUrl) => {
    const { parseKeyVaultUrl } = await import('../sources/url.js');
    return keyVaultOptions(parseKeyVaultUrl(vaultUrl.replace(/\/+$/, ''), { vaultOnly: true }), parsed, io);
  };
}
