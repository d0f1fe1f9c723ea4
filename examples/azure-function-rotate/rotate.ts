/**
 * The rotation job of the Azure Functions example: read the certificate from Key Vault (its
 * current version, or the version an Event Grid event names), rotate it onto the API connectors
 * and policy keysets, verify, and return one line per target. The function app's managed identity
 * signs in for both Key Vault (secrets get, certificates get) and Graph
 * (APIConnectors.ReadWrite.All, TrustFrameworkKeySet.ReadWrite.All).
 *
 * Settings (application settings of the function app):
 *   KEYVAULT_CERTIFICATE_URL  https://VAULT.vault.azure.net/certificates/NAME
 *   CONNECTOR_IDS             comma-separated connector ids (optional)
 *   KEYSET_IDS                comma-separated keyset ids, e.g. B2C_1A_RestApiClientCertificate (optional)
 *   PFXKIT_GRAPH_URL          optional (default https://graph.microsoft.com/v1.0)
 *   PFXKIT_STATE_DIR          a writable folder for rotate's locks and upload records (optional).
 *                             Locks are per machine: on a plan that scales out, keep the app to
 *                             one instance (WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT=1) so that
 *                             the timer and the Event Grid trigger never rotate at once.
 */
import { credentialToken, defaultCredential, GraphHttp, graphBaseUrl, PfxkitError, readKeyVaultBundle, readPkcs12, rotate, scopeFor } from 'pfxkit';

export interface RotationOutcome {
  ok: boolean;
  lines: string[];
}

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * One rotation from Key Vault. `certificateUrl` overrides KEYVAULT_CERTIFICATE_URL (the Event
 * Grid trigger passes the new version's URL).
 */
export async function rotateFromKeyVault(env: NodeJS.ProcessEnv, certificateUrl?: string, log: (line: string) => void = () => {}): Promise<RotationOutcome> {
  const url = certificateUrl ?? env.KEYVAULT_CERTIFICATE_URL;
  const connectors = list(env.CONNECTOR_IDS);
  const keysets = list(env.KEYSET_IDS);
  if (!url || connectors.length + keysets.length === 0) {
    return { ok: false, lines: ['set KEYVAULT_CERTIFICATE_URL and CONNECTOR_IDS and/or KEYSET_IDS'] };
  }
  try {
    // Managed identity in Azure (DefaultAzureCredential), for Key Vault and for Graph.
    const credential = await defaultCredential('global');
    const kv = await readKeyVaultBundle(url, { credential });
    const bundle = await readPkcs12(kv.pkcs12, { password: kv.password });
    const baseUrl = graphBaseUrl('global', env.PFXKIT_GRAPH_URL || undefined);
    const http = new GraphHttp({ baseUrl, token: credentialToken(credential, scopeFor(baseUrl)), log });
    // rotate re-encodes an AES bundle to the 3DES form B2C accepts, and gives a keyset upload a
    // generated password when the bundle has the empty one (as every Key Vault download has).
    const report = await rotate({ http, bundle, pkcs12: kv.pkcs12, password: kv.password, connectors, keysets, now: new Date(), requireActive: false, log });
    const lines = report.results.map((r) => {
      const target = r.connector ? `connector ${r.connector.id}` : `keyset ${r.keyset?.id ?? '?'}`;
      return r.error ? `${target}: ${r.error.code}: ${r.error.message}` : `${target}: ${r.action}, verified ${r.verified}, active ${r.active}`;
    });
    return { ok: report.exitCode === 0, lines: [`${kv.secretId}: ${bundle.leaf}`, ...lines] };
  } catch (err) {
    if (err instanceof PfxkitError) return { ok: false, lines: [`${err.code}: ${err.message}`] };
    throw err;
  }
}

/** The fields of a Key Vault Event Grid event this example uses (schema: Microsoft.KeyVault events). */
export interface KeyVaultEvent {
  eventType: string;
  subject?: string;
  data?: { Id?: string; VaultName?: string; ObjectType?: string; ObjectName?: string; Version?: string };
}

/**
 * The certificate URL of a `Microsoft.KeyVault.CertificateNewVersionCreated` event (its `data.Id`
 * is the new version's URL), or null for any other event: Key Vault sends this event when a
 * lifetime action (auto-renewal) or an import creates a new version.
 */
export function certificateUrlOf(event: KeyVaultEvent): string | null {
  if (event.eventType !== 'Microsoft.KeyVault.CertificateNewVersionCreated') return null;
  const id = event.data?.Id;
  if (id && /^https:\/\/[^/]+\/certificates\/[^/]+\/[^/]+$/.test(id)) return id;
  const { VaultName, ObjectName, Version } = event.data ?? {};
  return VaultName && ObjectName ? `https://${VaultName}.vault.azure.net/certificates/${ObjectName}${Version ? `/${Version}` : ''}` : null;
}
