/**
 * Report rows from Graph connectors or local files. One row per certificate; an unreadable
 * source becomes an `errors` entry and never stops the rest.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate } from '../cert/facts.js';
import { PfxkitError } from '../errors.js';
import { listConnectors } from '../graph/connectors.js';
import type { GraphHttp } from '../graph/http.js';
import { certificateListOf, isBasic } from '../graph/types.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { daysRemaining, DEFAULT_THRESHOLDS, expiryStatus, renewAt, STATUS_RANK, type ExpiryStatus, type Thresholds } from '../rotation/policy.js';
import { readInput, MAX_INPUT_BYTES } from '../lib/files.js';
import type { Report, ReportError, ReportRow } from './types.js';

export interface ReportOptions {
  now: Date;
  thresholds?: Thresholds;
}

function row(base: Pick<ReportRow, 'source' | 'connector' | 'path' | 'thumbprint' | 'subject' | 'isActive'>, notBefore: number, notAfter: number, now: number, t: Thresholds): ReportRow {
  // Fields in SPEC.md's order.
  return {
    source: base.source,
    connector: base.connector,
    path: base.path,
    thumbprint: base.thumbprint,
    subject: base.subject,
    notBefore,
    notAfter,
    daysRemaining: daysRemaining(notAfter, now),
    renewAt: renewAt(notBefore, notAfter, t.renewBeforeSeconds),
    isActive: base.isActive,
    status: expiryStatus(notBefore, notAfter, now, t),
  };
}

const sortRows = (rows: ReportRow[]): ReportRow[] => rows.sort((a, b) => a.notAfter - b.notAfter || a.thumbprint.localeCompare(b.thumbprint));

/**
 * Every certificate of every API connector of the tenant (all pages).
 *
 * @example
 * ```ts
 * const report = await reportConnectors(http, { now: new Date() });
 * console.log(report.rows.filter((r) => r.status !== 'ok'));
 * ```
 */
export async function reportConnectors(http: GraphHttp, options: ReportOptions): Promise<Report> {
  const now = Math.floor(options.now.getTime() / 1000);
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const rows: ReportRow[] = [];
  const errors: ReportError[] = [];
  try {
    for (const c of await listConnectors(http)) {
      const list = certificateListOf(c);
      if (!list.length) {
        // Not silently dropped: a connector with nothing to watch is worth a line.
        const how = isBasic(c) ? 'uses Basic authentication' : 'has no client certificate';
        errors.push({ connector: c.id, code: 'NO_CERTIFICATE', message: `${c.displayName} ${how}: no certificate to watch (pfxkit rotate FILE --connector ${c.id} switches it)` });
      }
      for (const e of list) {
        rows.push(row({ source: 'graph', connector: { id: c.id, displayName: c.displayName }, path: null, thumbprint: e.thumbprint.toUpperCase(), subject: null, isActive: e.isActive }, e.notBefore, e.notAfter, now, t));
      }
    }
  } catch (err) {
    const e = err instanceof PfxkitError ? err : new PfxkitError('GRAPH_UNAVAILABLE', String(err));
    errors.push({ connector: '*', code: e.code, message: e.message });
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}

const CERT_EXT = /\.(pfx|p12|pem|crt|cer|der|b64)$/i;
const MAX_FILES = 10_000;

async function expand(path: string, out: string[], errors: ReportError[], depth = 0): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    errors.push({ path, code: 'USAGE', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : String((err as NodeJS.ErrnoException).code)}` });
    return;
  }
  if (s.isDirectory()) {
    if (depth > 8) return;
    for (const name of (await readdir(path)).sort()) {
      if (out.length >= MAX_FILES) return;
      const p = join(path, name);
      const st = await stat(p).catch(() => null);
      if (st?.isDirectory()) await expand(p, out, errors, depth + 1);
      else if (CERT_EXT.test(name)) out.push(p);
    }
  } else out.push(path);
}

/** Certificates in one file: PFX (DER or base64), PEM certificates or bundles, DER certificates. */
async function certificatesIn(path: string, password: string | undefined): Promise<{ der: Uint8Array; info: ReturnType<typeof parseCertificate>['info'] }[]> {
  const bytes = await readInput(path);
  const text = bytes.length <= MAX_INPUT_BYTES ? Buffer.from(bytes).toString('latin1') : '';
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pems) {
    return pems.map((p, i) => {
      const der = new Uint8Array(new NodeX509(p).raw);
      return { der, info: parseCertificate(der, `${path} certificate ${i + 1}`).info };
    });
  }
  if (bytes[0] === 0x30) {
    // A DER certificate reads as one; anything else is tried as PKCS#12.
    try {
      const info = parseCertificate(bytes, path).info;
      return [{ der: bytes, info }];
    } catch {
      // not a certificate
    }
  }
  const bundle = await readPkcs12(bytes, { password });
  return bundle.certificates.map((info, i) => ({ der: bundle.certificateDer[i]!, info }));
}

/**
 * Every certificate in local files and folders (PFX with `password`, PEM and DER certificates,
 * PEM bundles). Folders are walked for .pfx .p12 .pem .crt .cer .der .b64 files.
 */
export async function reportFiles(paths: string[], options: ReportOptions & { password?: string }): Promise<Report> {
  const now = Math.floor(options.now.getTime() / 1000);
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const rows: ReportRow[] = [];
  const errors: ReportError[] = [];
  const files: string[] = [];
  for (const p of paths) await expand(p, files, errors);
  for (const file of files) {
    try {
      for (const { info } of await certificatesIn(file, options.password)) {
        rows.push(row({ source: 'file', connector: null, path: file, thumbprint: info.thumbprint, subject: info.subject, isActive: null }, info.notBefore, info.notAfter, now, t));
      }
    } catch (err) {
      const e = err instanceof PfxkitError ? err : new PfxkitError('MALFORMED', err instanceof Error ? err.message : String(err));
      errors.push({ path: file, code: e.code, message: e.message });
    }
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}

/**
 * The Nagios verdict: 0 OK, 1 WARNING, 2 CRITICAL (or expired), 3 UNKNOWN (nothing could be read).
 * A connector counts by its longest-lived certificate: Graph keeps expired ones in the list (no
 * call removes one), and a newer certificate takes over from an expiring one by itself.
 */
export function nagiosExitCode(report: Report): 0 | 1 | 2 | 3 {
  if (report.rows.length === 0 && report.errors.length > 0) return 3;
  const counted: ExpiryStatus[] = report.rows.filter((r) => r.source === 'file').map((r) => r.status);
  const byConnector = new Map<string, ReportRow>();
  for (const r of report.rows) {
    if (r.source !== 'graph' || !r.connector) continue;
    const best = byConnector.get(r.connector.id);
    if (!best || r.notAfter > best.notAfter) byConnector.set(r.connector.id, r);
  }
  for (const r of byConnector.values()) counted.push(r.status);
  const worst = Math.max(0, ...counted.map((s) => STATUS_RANK[s]));
  if (worst >= STATUS_RANK.critical) return 2;
  if (worst >= STATUS_RANK.warning) return 1;
  return 0;
}
