/** Graph access for commands: base URL, cloud, token source (SPEC.md's order), and the HTTP client. */
import { PfxkitError } from '../errors.js';
import { assertConnectorsIn, graphBaseUrl, parseCloud, scopeFor } from '../graph/clouds.js';
import { certificateCredential, credentialToken, defaultCredential, staticToken, type TokenSource } from '../graph/credentials.js';
import { GraphHttp } from '../graph/http.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { intFlag, type Options, type Parsed } from './args.js';
import { readInput } from '../io/files.js';
import type { Io } from './io.js';
import { resolvePassword } from './password.js';

export const GRAPH_OPTIONS: Options = {
  'graph-url': { type: 'string' },
  cloud: { type: 'string' },
  'auth-pfx': { type: 'string' },
  'auth-password-env': { type: 'string' },
  'auth-password-file': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  timeout: { type: 'string' },
};

export const GRAPH_HELP = `Graph access:
  --graph-url URL          Graph base URL (env PFXKIT_GRAPH_URL; default https://graph.microsoft.com/v1.0)
  --cloud NAME             global | usgov | dod | china: picks the Graph root and sign-in authority
                           (API connectors exist in global and china only: usgov and dod are refused)
  token: env PFXKIT_ACCESS_TOKEN if set; else --auth-pfx FILE (sign in as an app with the certificate
  in FILE; AZURE_TENANT_ID and AZURE_CLIENT_ID from the environment; its password from
  --auth-password-env NAME or --auth-password-file PATH); else DefaultAzureCredential.
  Permissions: APIConnectors.ReadWrite.All for connectors, TrustFrameworkKeySet.ReadWrite.All for
  policy keysets (.Read.All to report). Graph throttles connector calls at 300 requests a minute
  per tenant and 200 per app; 429 answers are retried after their Retry-After.
  --timeout SECONDS        per-request timeout (default 30); an upload that times out is looked
                           for before it is sent again
  -v, --verbose            one line per HTTP request on stderr (never a body or a token)`;

/**
 * The sign-in certificate of --auth-pfx FILE, read with --auth-password-env|-file. Its errors name
 * the file, so that a wrong sign-in password is not taken for the bundle's own.
 */
export async function readAuthPfx(file: string, parsed: Parsed, io: Io): Promise<Pkcs12Bundle> {
  const password = await resolvePassword(
    { values: { 'auth-password-env': parsed.values['auth-password-env'], 'auth-password-file': parsed.values['auth-password-file'] }, positionals: [] },
    io,
    'auth-',
    null,
  );
  return readPkcs12(await readInput(file), { password }).catch((err: unknown) => {
    if (!(err instanceof PfxkitError)) throw err;
    const hint = err.code === 'BAD_PASSWORD' ? ' (its password comes from --auth-password-env or --auth-password-file)' : '';
    throw new PfxkitError(err.code, `--auth-pfx ${file}: ${err.message}${hint}`, { cause: err });
  });
}

async function tokenSource(parsed: Parsed, io: Io, baseUrl: string): Promise<TokenSource> {
  const cloud = parseCloud(parsed.values.cloud);
  const envToken = io.env.PFXKIT_ACCESS_TOKEN;
  if (envToken !== undefined && envToken !== '') return staticToken(envToken);
  const authPfx = parsed.values['auth-pfx'];
  if (typeof authPfx === 'string') {
    const bundle = await readAuthPfx(authPfx, parsed, io);
    return credentialToken(await certificateCredential(bundle, io.env.AZURE_TENANT_ID, io.env.AZURE_CLIENT_ID, cloud), scopeFor(baseUrl));
  }
  return credentialToken(await defaultCredential(cloud), scopeFor(baseUrl));
}

/**
 * The Graph client of a command. One that works on API connectors is refused up front in the
 * clouds where they do not exist (policy keysets exist in every cloud).
 */
export async function graphClient(parsed: Parsed, io: Io, uses: { connectors: boolean } = { connectors: true }): Promise<GraphHttp> {
  const cloud = parseCloud(parsed.values.cloud);
  if (uses.connectors) assertConnectorsIn(cloud);
  const explicit = typeof parsed.values['graph-url'] === 'string' ? parsed.values['graph-url'] : io.env.PFXKIT_GRAPH_URL || undefined;
  const baseUrl = graphBaseUrl(cloud, explicit);
  if (parsed.values['auth-password-env'] && parsed.values['auth-password-file']) throw new PfxkitError('USAGE', 'give one of --auth-password-env and --auth-password-file');
  const timeout = intFlag(parsed.values.timeout, 'timeout', 1);
  const token = await tokenSource(parsed, io, baseUrl);
  return new GraphHttp({
    baseUrl,
    token,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    log: parsed.values.verbose ? (line) => io.stderr.write(`pfxkit: ${line}\n`) : undefined,
  });
}
