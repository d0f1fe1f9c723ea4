/**
 * Key Vault URLs: `https://{vault}.vault.azure.net/secrets/{name}[/{version}]` or
 * `…/certificates/{name}[/{version}]`, in the public and national clouds, or on a loopback host
 * (127.0.0.1, localhost, ::1) over https for local stand-ins. Pure: no network.
 */
import { PfxkitError } from '../errors.js';

/** A national cloud by its Key Vault DNS suffix (Azure's `AzureKeyVaultDnsSuffix`). */
export type KeyVaultCloud = 'global' | 'usgov' | 'china' | 'germany';

/** The vault host suffix, token resource and sign-in authority of each cloud. */
export const KEYVAULT_CLOUDS: Readonly<Record<KeyVaultCloud, { suffix: string; resource: string; authority: string }>> = {
  global: { suffix: 'vault.azure.net', resource: 'https://vault.azure.net', authority: 'https://login.microsoftonline.com' },
  // US Government (L4) and DoD (L5) share the suffix and the authority.
  usgov: { suffix: 'vault.usgovcloudapi.net', resource: 'https://vault.usgovcloudapi.net', authority: 'https://login.microsoftonline.us' },
  china: { suffix: 'vault.azure.cn', resource: 'https://vault.azure.cn', authority: 'https://login.chinacloudapi.cn' },
  // Microsoft Cloud Deutschland (closed in 2021; the suffix is still in Azure's environment lists).
  germany: { suffix: 'vault.microsoftazure.de', resource: 'https://vault.microsoftazure.de', authority: 'https://login.microsoftonline.de' },
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Where a Key Vault URL points. */
export interface KeyVaultRef {
  /** The URL as given, normalised (no query, no trailing slash). */
  url: string;
  /** The vault's base URL (`https://host[:port]`). */
  vaultUrl: string;
  /** null for a vault URL without an item (report --keyvault). */
  kind: 'secret' | 'certificate' | null;
  name: string | null;
  /** null: the current version. */
  version: string | null;
  cloud: KeyVaultCloud;
  /** A local stand-in: the challenge's resource is not matched against the host. */
  loopback: boolean;
  /** The token scope of the cloud (`https://vault.azure.net/.default`). */
  scope: string;
}

/** True for anything that looks like a URL (http: or https:), as opposed to a file path or `-`. */
export function looksLikeUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

function cloudOf(host: string): KeyVaultCloud | null {
  for (const [cloud, c] of Object.entries(KEYVAULT_CLOUDS) as [KeyVaultCloud, (typeof KEYVAULT_CLOUDS)[KeyVaultCloud]][]) {
    const suffix = `.${c.suffix}`;
    if (host.endsWith(suffix) && /^[a-z0-9](?:[a-z0-9-]{1,22}[a-z0-9])?$/.test(host.slice(0, -suffix.length))) return cloud;
  }
  return null;
}

const NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Za-z]{1,64}$/;

const usage = (text: string, why: string): PfxkitError =>
  new PfxkitError('USAGE', `"${text}" is not a Key Vault URL: ${why} (expected https://VAULT.vault.azure.net/secrets/NAME[/VERSION] or …/certificates/NAME[/VERSION])`);

/**
 * Parses a Key Vault secret or certificate URL, or (with `vaultOnly`) a vault's base URL.
 * Refuses http:, other hosts, and paths that name nothing (USAGE).
 *
 * @example
 * ```ts
 * const ref = parseKeyVaultUrl('https://contoso-kv.vault.azure.net/certificates/api-client');
 * // { kind: 'certificate', name: 'api-client', version: null, cloud: 'global', scope: 'https://vault.azure.net/.default', ... }
 * ```
 */
export function parseKeyVaultUrl(text: string, options: { vaultOnly?: boolean } = {}): KeyVaultRef {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw usage(text, 'not a URL');
  }
  if (u.protocol !== 'https:') throw usage(text, 'Key Vault is reached over https only');
  if (u.username || u.password) throw usage(text, 'credentials in the URL are not accepted');
  const host = u.hostname.toLowerCase();
  const loopback = LOOPBACK.has(host);
  const cloud: KeyVaultCloud | null = loopback ? 'global' : cloudOf(host);
  if (cloud === null) {
    throw usage(
      text,
      `${host} is not a vault host (*.${Object.values(KEYVAULT_CLOUDS)
        .map((c) => c.suffix)
        .join(', *.')}, or a loopback host for a local stand-in)`,
    );
  }
  if (!loopback && u.port !== '') throw usage(text, 'a vault host takes no port');
  const segments = u.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const vaultUrl = `https://${u.host.toLowerCase()}`;
  const scope = `${KEYVAULT_CLOUDS[cloud].resource}/.default`;
  if (options.vaultOnly) {
    if (segments.length) throw new PfxkitError('USAGE', `"${text}" is not a vault URL: give the vault itself, e.g. https://VAULT.vault.azure.net`);
    return { url: vaultUrl, vaultUrl, kind: null, name: null, version: null, cloud, loopback, scope };
  }
  const [collection, name, version, ...rest] = segments;
  if ((collection !== 'secrets' && collection !== 'certificates') || !name || rest.length) throw usage(text, 'the path names no secret or certificate');
  if (!NAME.test(name)) throw usage(text, `"${name}" is not a Key Vault object name (1-127 letters, digits and dashes)`);
  if (version !== undefined && !VERSION.test(version)) throw usage(text, `"${version}" is not a version`);
  const kind = collection === 'secrets' ? 'secret' : 'certificate';
  const url = `${vaultUrl}/${collection}/${name}${version ? `/${version}` : ''}`;
  return { url, vaultUrl, kind, name, version: version ?? null, cloud, loopback, scope };
}
