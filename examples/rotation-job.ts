/**
 * A scheduled rotation job (cron, a pipeline, an Azure Function timer) using the library:
 * read the new bundle, rotate it onto the connectors, verify, log one line each, exit with the
 * worst outcome. Safe to run again and again: a certificate already listed is not written. An
 * AES-encrypted file (OpenSSL 3's default) is re-encoded in memory to the 3DES form B2C accepts.
 *
 *   PFX_PATH=new.pfx PFX_PASSWORD=... CONNECTOR_IDS=id1,id2 node dist/examples/rotation-job.js
 *
 * Token: PFXKIT_ACCESS_TOKEN if set, else DefaultAzureCredential (managed identity in Azure).
 * Graph: PFXKIT_GRAPH_URL (default https://graph.microsoft.com/v1.0).
 */
import { readFile } from 'node:fs/promises';
import { credentialToken, defaultCredential, GraphHttp, graphBaseUrl, PfxkitError, readPkcs12, rotate, scopeFor, staticToken } from 'pfxkit';

const env = process.env;
const path = env.PFX_PATH;
const ids = (env.CONNECTOR_IDS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (!path || ids.length === 0) {
  console.error('set PFX_PATH and CONNECTOR_IDS (comma-separated)');
  process.exit(2);
}

try {
  const baseUrl = graphBaseUrl('global', env.PFXKIT_GRAPH_URL || undefined);
  const token = env.PFXKIT_ACCESS_TOKEN ? staticToken(env.PFXKIT_ACCESS_TOKEN) : credentialToken(await defaultCredential('global'), scopeFor(baseUrl));
  const http = new GraphHttp({ baseUrl, token, log: env.VERBOSE ? (l) => console.error(l) : undefined });
  const pkcs12 = await readFile(path);
  const bundle = await readPkcs12(pkcs12, { password: env.PFX_PASSWORD });
  const report = await rotate({ http, bundle, pkcs12, password: env.PFX_PASSWORD ?? '', connectors: ids, now: new Date(), requireActive: env.REQUIRE_ACTIVE === '1' });
  for (const r of report.results) {
    const outcome = r.error ? `${r.error.code}: ${r.error.message}` : `${r.action} (${r.encoding}), verified ${r.verified}, active ${r.active}`;
    const target = r.connector ? (r.connector.displayName ?? r.connector.id) : `keyset ${r.keyset?.id}`;
    console.log(`${target}: ${outcome}`);
  }
  process.exitCode = report.exitCode;
} catch (err) {
  if (!(err instanceof PfxkitError)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 2;
}
