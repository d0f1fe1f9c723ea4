/**
 * Report rows from Azure Key Vault: every certificate of each vault, its current version, with
 * the same fields, thresholds and status as the other rows (source `keyvault`, the versioned
 * certificate URL in `path`). A vault that cannot be read is an `errors` entry with its code;
 * this never throws for a vault's failure.
 */
import { PfxkitError } from '../errors.js';
import { daysRemaining, DEFAULT_THRESHOLDS, expiryStatus, renewAt, type Thresholds } from '../rotation/policy.js';
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

/** A vault row in SPEC.md's field order (keyset and kid are null for a vault). */
type KeyVaultRow = ReportRow & { keyset: null; kid: null };

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
      const kvOptions = typeof options.keyVault === 'function' ? await options.keyVault(vaultUrl) : options.keyVault ?? {};
      const { listKeyVaultCertificates } = await import('../sources/keyvault.js');
      for (const c of await listKeyVaultCertificates(vaultUrl, kvOptions)) {
        const row: KeyVaultRow = {
          source: 'keyvault',
          connector: null,
          keyset: null,
          kid: null,
          path: c.id,
          thumbprint: c.thumbprint,
          subject: c.subject,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
          daysRemaining: daysRemaining(c.notAfter, now),
          renewAt: renewAt(c.notBefore, c.notAfter, t.renewBeforeSeconds),
          isActive: null,
          status: expiryStatus(c.notBefore, c.notAfter, now, t),
        };
        rows.push(row);
      }
    } catch (err) {
      const e = err instanceof PfxkitError ? err : new PfxkitError('KEYVAULT_UNAVAILABLE', err instanceof Error ? err.message : String(err));
      errors.push({ path: vaultUrl, code: e.code, message: e.message });
    }
  }
  rows.sort((a, b) => a.notAfter - b.notAfter || a.thumbprint.localeCompare(b.thumbprint));
  return { generatedAt: now, rows, errors };
}
