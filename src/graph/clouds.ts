/** National clouds: Graph root, token scope and sign-in authority (SPEC.md). */
import { PfxkitError } from '../errors.js';

export type Cloud = 'global' | 'usgov' | 'dod' | 'china';
export const CLOUDS: Readonly<Record<Cloud, { graph: string; authority: string }>> = {
  global: { graph: 'https://graph.microsoft.com', authority: 'https://login.microsoftonline.com' },
  usgov: { graph: 'https://graph.microsoft.us', authority: 'https://login.microsoftonline.us' },
  dod: { graph: 'https://dod-graph.microsoft.us', authority: 'https://login.microsoftonline.us' },
  china: { graph: 'https://microsoftgraph.chinacloudapi.cn', authority: 'https://login.chinacloudapi.cn' },
};

export function parseCloud(value: unknown): Cloud {
  if (value === undefined) return 'global';
  if (typeof value === 'string' && value in CLOUDS) return value as Cloud;
  throw new PfxkitError('USAGE', `--cloud takes ${Object.keys(CLOUDS).join(', ')}, not "${String(value)}"`);
}

/** The Graph base URL (with its version) for a cloud, unless one is given. */
export function graphBaseUrl(cloud: Cloud, explicit?: string): string {
  const url = explicit ?? `${CLOUDS[cloud].graph}/v1.0`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PfxkitError('USAGE', `"${url}" is not a URL (e.g. https://graph.microsoft.com/v1.0)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new PfxkitError('USAGE', `the Graph URL must be http(s), not ${parsed.protocol}`);
  return url.replace(/\/+$/, '');
}

/** The token scope for a Graph base URL: `<origin>/.default`. */
export function scopeFor(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}

/**
 * API connectors (identityApiConnector, v1.0) exist in the global and China clouds only: Graph's
 * reference lists them as not available in US Government L4 and L5 (DoD). Said before any call.
 */
export function assertConnectorsIn(cloud: Cloud): void {
  if (cloud === 'usgov' || cloud === 'dod') {
    throw new PfxkitError(
      'USAGE',
      `API connectors (identityApiConnector) do not exist in the ${cloud === 'usgov' ? 'US Government L4' : 'US Government L5 (DoD)'} cloud: Graph documents them for the global and China clouds only`,
    );
  }
}

/**
 * The beta root of a Graph base URL (policy keysets exist in beta only): its version segment
 * (`v1.0`, `beta`) becomes `beta`, or `/beta` is added when it has none.
 */
export function betaUrlOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = /\/(v1\.0|beta)$/i.test(path) ? path.replace(/\/(v1\.0|beta)$/i, '/beta') : `${path}/beta`;
  return url.toString().replace(/\/+$/, '');
}
