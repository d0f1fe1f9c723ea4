/** One formatter per report format: table, json, csv (RFC 4180), prometheus (text format 0.0.4). */
import type { Report, ReportError, ReportRow } from './types.js';
import { isoSeconds } from '../lib/text.js';

export type ReportFormat = 'table' | 'json' | 'csv' | 'prometheus';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'csv', 'prometheus'];

const sourceOf = (r: ReportRow): string => (r.connector ? `${r.connector.displayName} (${r.connector.id})` : r.keyset ? `keyset ${r.keyset.id}${r.kid ? ` (kid ${r.kid})` : ''}` : (r.path ?? ''));

/** What an errors entry is about, for a line of text. */
export const errorSource = (e: ReportError): string => e.path ?? (e.keyset !== undefined ? `keyset ${e.keyset}` : `connector ${e.connector}`);

export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const COLOURS: Record<string, string> = { ok: '32', renew: '36', warning: '33', critical: '31', expired: '31;1' };

/** An aligned table, sorted by expiry; colour only when asked (a TTY without NO_COLOR). */
export function formatTable(report: Report, options: { colour?: boolean } = {}): string {
  const head = ['STATUS', 'DAYS', 'NOT AFTER', 'RENEW AT', 'ACTIVE', 'THUMBPRINT', 'SOURCE', 'SUBJECT'];
  const body = report.rows.map((r) => [
    r.status,
    String(r.daysRemaining),
    isoSeconds(r.notAfter),
    isoSeconds(r.renewAt),
    r.isActive === null ? '-' : r.isActive ? 'yes' : 'no',
    r.thumbprint,
    sourceOf(r),
    r.subject ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[], status?: string): string => {
    const text = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    return options.colour && status ? `\x1b[${COLOURS[status]}m${text}\x1b[0m` : text;
  };
  const lines = [line(head), ...body.map((cells, i) => line(cells, report.rows[i]!.status))];
  if (report.rows.length === 0) lines.push('(no certificates)');
  for (const e of report.errors) lines.push(`error  ${errorSource(e)}: ${e.code}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}

const csvField = (v: string | number | boolean | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180: CRLF line ends, fields with commas, quotes or line breaks quoted, quotes doubled. */
export function formatCsv(report: Report): string {
  const head = ['source', 'connector_id', 'connector_name', 'keyset_id', 'kid', 'path', 'thumbprint', 'subject', 'not_before', 'not_after', 'days_remaining', 'renew_at', 'is_active', 'status'];
  const rows = report.rows.map((r) =>
    [
      r.source,
      r.connector?.id ?? null,
      r.connector?.displayName ?? null,
      r.keyset?.id ?? null,
      r.kid,
      r.path,
      r.thumbprint,
      r.subject,
      r.notBefore,
      r.notAfter,
      r.daysRemaining,
      r.renewAt,
      r.isActive,
      r.status,
    ]
      .map(csvField)
      .join(','),
  );
  return [head.join(','), ...rows].map((l) => `${l}\r\n`).join('');
}

const labelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The CN of an RFC 4514 name as we print it (`..., CN=x`), unescaped. */
export function commonName(subject: string | null): string | null {
  if (!subject) return null;
  const m = /(?:^|,\s*)CN=((?:\\.|[^,\\])*)/.exec(subject);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}

function labels(r: ReportRow): string {
  const l: [string, string][] = [['thumbprint', r.thumbprint]];
  const cn = commonName(r.subject);
  if (cn !== null) l.push(['subject_CN', cn]);
  if (r.connector) l.push(['connector_id', r.connector.id], ['connector_name', r.connector.displayName]);
  if (r.keyset) l.push(['keyset_id', r.keyset.id], ...(r.kid ? [['kid', r.kid] as [string, string]] : []));
  if (r.isActive !== null) l.push(['active', String(r.isActive)]);
  if (r.path) l.push(['filepath', r.path]);
  return `{${l.map(([k, v]) => `${k}="${labelValue(v)}"`).join(',')}}`;
}

/**
 * Prometheus text format 0.0.4 with the x509-certificate-exporter metric names, for
 * node_exporter's textfile collector.
 */
export function formatPrometheus(report: Report): string {
  // One series a label set: a certificate Graph lists twice on one connector is one series.
  const seen = new Set<string>();
  const rows = report.rows.filter((r) => !seen.has(labels(r)) && Boolean(seen.add(labels(r))));
  const metric = (name: string, help: string, value: (r: ReportRow) => number): string[] => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows.map((r) => `${name}${labels(r)} ${value(r)}`)];
  // Notices (an expiring key with no successor, a connector with no certificate) are not read errors.
  const readErrors = report.errors.filter((e) => e.code !== 'EXPIRES_SOON' && e.code !== 'NO_CERTIFICATE').length;
  const lines = [
    ...metric('x509_cert_not_after', 'The date after which the certificate expires. Expressed as a Unix Epoch Time.', (r) => r.notAfter),
    ...metric('x509_cert_not_before', 'The date before which the certificate is not valid. Expressed as a Unix Epoch Time.', (r) => r.notBefore),
    ...metric('x509_cert_expired', 'Indicates if the certificate is currently expired.', (r) => (r.status === 'expired' ? 1 : 0)),
    '# HELP x509_read_errors Sources that could not be read in this report.',
    '# TYPE x509_read_errors gauge',
    `x509_read_errors ${readErrors}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function formatReport(report: Report, format: ReportFormat, options: { colour?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'csv':
      return formatCsv(report);
    case 'prometheus':
      return formatPrometheus(report);
    default:
      return formatTable(report, options);
  }
}
