/** pfxkit report [PATH...]: expiry report for people, scripts and monitoring, with Nagios exit codes. */
import { PfxkitError } from '../errors.js';
import { betaUrlOf } from '../graph/clouds.js';
import { mergeReports, reportConnectors, reportFiles, nagiosExitCode } from '../report/build.js';
import { reportKeysets } from '../report/keysets.js';
import type { Report } from '../report/types.js';
import { errorSource, formatReport, REPORT_FORMATS, type ReportFormat } from '../report/format.js';
import { DEFAULT_THRESHOLDS, parseDuration } from '../rotation/policy.js';
import { intFlag, parse, passwordOptions } from './args.js';
import { writeFileAtomic } from '../io/files.js';
import { GRAPH_HELP, GRAPH_OPTIONS, graphClient } from './graph.js';
import { print, type Io } from './io.js';
import { resolvePassword } from './password.js';
import { parseNow } from './validate.js';

export const REPORT_HELP = `Usage: pfxkit report [PATH...] [--connectors] [--keysets] [--keyvault VAULT_URL...] [options]

Lists every certificate with its expiry, from the sources named, in one document with one exit
code: files and folders (PFX/P12 in DER or base64, PEM and DER certificates, PEM bundles; folders
are walked for .pfx .p12 .pem .crt .cer .der .b64), every API connector of the tenant
(--connectors), every certificate key of every B2C policy keyset (--keysets, Graph beta), every
certificate of a Key Vault, current version (--keyvault https://VAULT.vault.azure.net, repeat for
several; token: PFXKIT_KEYVAULT_TOKEN, else the Graph credential chain with the vault's scope).
With no source named: the API connectors.

Options:
  --connectors             every API connector's certificates (the default when nothing is named)
  --keysets                every policy keyset's certificate keys; a keyset whose active key is
                           expiring with no successor staged gets a warning line
  --keyvault VAULT_URL     every certificate of the vault (source keyvault, the certificate URL
                           as path); repeat for several vaults
  --format table|json|csv|prometheus   (default table; json is {"generatedAt", "rows", "errors"})
  --warn-days N            warning at or under N days left (default 28)
  --crit-days N            critical at or under N days left (default 14)
  --renew-before DURATION  renewAt = notAfter - DURATION (e.g. 30d, 720h, P30D); by default
                           notAfter - lifetime/3, cert-manager's rule
  --now ISO                judge at this moment (default: now)
  --out FILE               write the report to FILE atomically (for node_exporter's textfile
                           collector) instead of stdout
  --no-exit-code           always exit 0
  --json                   the same as --format json
  -h, --help               show this help

Password for PFX files: --password-env NAME | --password-file PATH | --password-stdin, else
PFXKIT_PASSWORD, else none.

${GRAPH_HELP}

Statuses: expired, critical, warning, renew (past renewAt), ok. Exit codes (Nagios): 0 OK,
1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (nothing could be read, or a usage error). A connector
or a keyset counts by its longest-lived certificate: Graph keeps expired ones listed, and a newer
one takes over by itself.
`;

export async function reportCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, {
    ...passwordOptions(),
    ...GRAPH_OPTIONS,
    format: { type: 'string' },
    'warn-days': { type: 'string' },
    'crit-days': { type: 'string' },
    'renew-before': { type: 'string' },
    now: { type: 'string' },
    out: { type: 'string' },
    'no-exit-code': { type: 'boolean' },
    connectors: { type: 'boolean' },
    keysets: { type: 'boolean' },
    keyvault: { type: 'string', multiple: true },
  });
  const v = parsed.values;
  if (v.help) {
    print(io, REPORT_HELP);
    return 0;
  }
  const format = (v.json ? 'json' : (v.format ?? 'table')) as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new PfxkitError('USAGE', `--format takes ${REPORT_FORMATS.join(', ')}, not "${String(v.format)}"`);
  const warnDays = intFlag(v['warn-days'], 'warn-days') ?? DEFAULT_THRESHOLDS.warnDays;
  const critDays = intFlag(v['crit-days'], 'crit-days') ?? DEFAULT_THRESHOLDS.critDays;
  if (critDays > warnDays) throw new PfxkitError('USAGE', '--crit-days must not be more than --warn-days');
  const renewBeforeSeconds = typeof v['renew-before'] === 'string' ? parseDuration(v['renew-before']) : null;
  const now = parseNow(v.now, io.now());
  const thresholds = { warnDays, critDays, renewBeforeSeconds };
  // The sources named, in one document; Graph connectors when none is named.
  const vaults = (v.keyvault as string[] | undefined) ?? [];
  const connectors = v.connectors === true || (parsed.positionals.length === 0 && v.keysets !== true && vaults.length === 0);
  const parts: Report[] = [];
  if (parsed.positionals.length) parts.push(await reportFiles(parsed.positionals, { now, thresholds, password: await resolvePassword(parsed, io) }));
  if (vaults.length) {
    const [{ reportKeyVault }, { keyVaultAccess }] = await Promise.all([import('../report/keyvault.js'), import('./keyvault.js')]);
    parts.push(await reportKeyVault(vaults, { now, thresholds, keyVault: keyVaultAccess(parsed, io) }));
  }
  if (connectors || v.keysets === true) {
    const http = await graphClient(parsed, io, { connectors });
    if (connectors) parts.push(await reportConnectors(http, { now, thresholds }));
    if (v.keysets === true) parts.push(await reportKeysets(http.withBaseUrl(betaUrlOf(http.baseUrl)), { now, thresholds }));
  }
  const report = mergeReports(parts, Math.floor(now.getTime() / 1000));
  // The table lists errors itself; other formats carry them in the document, or not at all.
  if (format !== 'table' || typeof v.out === 'string') for (const e of report.errors) io.stderr.write(`pfxkit: ${errorSource(e)}: ${e.code}: ${e.message}\n`);
  const text = formatReport(report, format, { colour: format === 'table' && typeof v.out !== 'string' && io.stdout.isTTY === true && !io.env.NO_COLOR });
  if (typeof v.out === 'string') {
    await writeFileAtomic(v.out, text, { force: true, mode: 0o644 });
  } else io.stdout.write(text);
  return v['no-exit-code'] ? 0 : nagiosExitCode(report);
}
