/**
 * Report rows from Azure Key Vault: every certificate of each vault, its current version, with
 * the same fields, thresholds and status as the other rows (source `keyvault`, the versioned
 * certificate URL in `path`). A vault that cannot be read is an `errors` entry with its code;
 * this never throws for a vault's failure.
 */
import { toPfxkitError } from '../errors.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../rotation/policy.js';
import { row, sortRows } from './build.js';
import type { KeyVaultOptions } from '../sources/keyvault.js';
import type { Report, ReportError, ReportRow } from './types.js';

export interface KeyVaultReportOptions {
  now: Date;
  thresholds?: Thresholds;
  /**
   * Key Vault access for a vault URL (token, credential, extra CA for a loopback stand-in,
   * retries). One object for every vault, or a function of the vault URL.
   */
  keyVault?: KeyVaultOptions | ((vaultUrl: string) => KeyVaultOptions | Promise<KeyVaultOptions>);
}

/**
 * Every certificate (current version) of each vault in `vaultUrls` (`https://VAULT.vault.azure.net`),
 * as report rows with source `keyvault`; Key Vault's certificates/list and certificates/get
 * permissions are needed. Disabled certificates are listed too.
 *
 * @example
 * ```ts
 * const report = await reportKeyVault(['https://contoso-kv.vault.azure.net'], { now: new Date(), keyVault: { credential } });
 * for (const e of report.errors) console.error(e.path, e.code, e.message);
 * ```
 */
export async function reportKeyVault(vaultUrls: string[], options: KeyVaultReportOptions): Promise<Report> {
  const now = Math.floor(options.now.getTime() / 1000);
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const rows: ReportRow[] = [];
  const errors: ReportError[] = [];
  for (const vaultUrl of vaultUrls) {
    try {
      const kvOptions = typeof options.keyVault === 'function' ? await options.keyVault(vaultUrl) : (options.keyVault ?? {});
      const { listKeyVaultCertificates } = await import('../sources/keyvault.js');
      for (const c of await listKeyVaultCertificates(vaultUrl, kvOptions)) {
        rows.push(row({ source: 'keyvault', path: c.id, thumbprint: c.thumbprint, subject: c.subject, isActive: null }, c.notBefore, c.notAfter, now, t));
      }
    } catch (err) {
      const e = toPfxkitError(err, 'KEYVAULT_UNAVAILABLE');
      errors.push({ path: vaultUrl, code: e.code, message: e.message });
    }
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}
