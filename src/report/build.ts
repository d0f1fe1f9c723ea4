/**
 * Report rows from Graph connectors or local files. One row per certificate; an unreadable
 * source becomes an `errors` entry and never stops the rest.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate } from '../cert/facts.js';
import { toPfxkitError } from '../errors.js';
import { listConnectors } from '../graph/connectors.js';
import type { GraphHttp } from '../graph/http.js';
import { certificateListOf, isBasic } from '../graph/types.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { daysRemaining, DEFAULT_THRESHOLDS, expiryStatus, renewAt, STATUS_RANK, type ExpiryStatus, type Thresholds } from '../rotation/policy.js';
import { kindOf, readInput, MAX_INPUT_BYTES } from '../io/files.js';
import type { Report, ReportError, ReportRow } from './types.js';

export interface ReportOptions {
  now: Date;
  thresholds?: Thresholds;
}

type RowBase = Pick<ReportRow, 'source' | 'thumbprint' | 'subject' | 'isActive'> & Partial<Pick<ReportRow, 'connector' | 'keyset' | 'kid' | 'path'>>;

/** A report row with its expiry facts judged at `now` (epoch seconds); fields in SPEC.md's order. */
export function row(base: RowBase, notBefore: number, notAfter: number, now: number, t: Thresholds): ReportRow {
  return {
    source: base.source,
    connector: base.connector ?? null,
    keyset: base.keyset ?? null,
    kid: base.kid ?? null,
    path: base.path ?? null,
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

export const sortRows = (rows: ReportRow[]): ReportRow[] => rows.sort((a, b) => a.notAfter - b.notAfter || a.thumbprint.localeCompare(b.thumbprint));

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
        rows.push(
          row({ source: 'graph', connector: { id: c.id, displayName: c.displayName }, thumbprint: e.thumbprint.toUpperCase(), subject: null, isActive: e.isActive }, e.notBefore, e.notAfter, now, t),
        );
      }
    }
  } catch (err) {
    const e = toPfxkitError(err, 'GRAPH_UNAVAILABLE');
    errors.push({ connector: '*', code: e.code, message: e.message });
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}

const CERT_EXT = /\.(pfx|p12|pem|crt|cer|der|b64)$/i;
/** Most files a report reads; past it, an error row says what was left out. */
export const MAX_FILES = 10_000;
/** Deepest folder nesting walked. */
const MAX_DEPTH = 8;

/** The walk of the paths given: files to read (each once, by real path) and error rows. */
interface Walk {
  files: string[];
  errors: ReportError[];
  /** Real paths of the files and folders already taken. */
  seen: Set<string>;
  full: boolean;
  /** MAX_FILES unless a caller says otherwise. */
  max: number;
}

const errno = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'a symbolic link loop' : String(code ?? err);
};

/**
 * One path: a folder is walked, a regular file taken, anything else (a FIFO, a device, a socket)
 * becomes an error row without being opened. Symbolic links are followed to their real path, and
 * a file or folder already taken is not taken again; a link back to a folder being walked is an
 * error row (a loop). `named` paths were given by the user: every kind of entry counts; inside
 * folders only names with a certificate extension do.
 */
async function visit(path: string, walk: Walk, ancestors: readonly string[], named: boolean): Promise<void> {
  let s;
  let real;
  try {
    s = await stat(path);
    real = await realpath(path);
  } catch (err) {
    walk.errors.push({ path, code: 'USAGE', message: `cannot read ${path}: ${errno(err)}` });
    return;
  }
  if (s.isDirectory()) {
    if (ancestors.includes(real)) {
      walk.errors.push({ path, code: 'USAGE', message: `${path} is a symbolic link loop (back to ${real}): not walked again` });
      return;
    }
    if (walk.seen.has(real)) return;
    walk.seen.add(real);
    if (ancestors.length > MAX_DEPTH) {
      walk.errors.push({ path, code: 'USAGE', message: `${path} is nested more than ${MAX_DEPTH} folders deep: not read` });
      return;
    }
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch (err) {
      walk.errors.push({ path, code: 'USAGE', message: `cannot read the folder ${path}: ${errno(err)}` });
      return;
    }
    for (const name of names) {
      if (walk.full) return;
      const p = join(path, name);
      const l = await lstat(p).catch(() => null);
      // Only folders, and entries named like certificates, are looked at further.
      const candidate = CERT_EXT.test(name);
      if (l && !l.isDirectory() && !l.isSymbolicLink() && !candidate) continue;
      if (l?.isSymbolicLink() && !candidate) {
        const target = await stat(p).catch(() => null);
        if (!target?.isDirectory()) continue;
      }
      await visit(p, walk, [...ancestors, real], false);
    }
    return;
  }
  if (!s.isFile()) {
    if (named || CERT_EXT.test(path)) walk.errors.push({ path, code: 'USAGE', message: `${path} is ${kindOf(s)}, not a regular file: skipped without opening it` });
    return;
  }
  if (walk.seen.has(real)) return;
  if (walk.files.length >= walk.max) {
    walk.full = true;
    walk.errors.push({ path, code: 'USAGE', message: `more than ${walk.max} files: ${path} and the rest were not read` });
    return;
  }
  walk.seen.add(real);
  walk.files.push(path);
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
 * PEM bundles). Folders are walked for .pfx .p12 .pem .crt .cer .der .b64 files. Each file is read
 * once (by real path); whatever cannot be read becomes an `errors` row: a missing or unreadable
 * path, a FIFO, device or socket (never opened), a symbolic link loop, folders nested too deep, and
 * files past MAX_FILES.
 */
export async function reportFiles(paths: string[], options: ReportOptions & { password?: string; maxFiles?: number }): Promise<Report> {
  const now = Math.floor(options.now.getTime() / 1000);
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const rows: ReportRow[] = [];
  const errors: ReportError[] = [];
  const walk: Walk = { files: [], errors, seen: new Set(), full: false, max: options.maxFiles ?? MAX_FILES };
  for (const p of paths) if (!walk.full) await visit(p, walk, [], true);
  for (const file of walk.files) {
    try {
      for (const { info } of await certificatesIn(file, options.password)) {
        rows.push(row({ source: 'file', path: file, thumbprint: info.thumbprint, subject: info.subject, isActive: null }, info.notBefore, info.notAfter, now, t));
      }
    } catch (err) {
      const e = toPfxkitError(err, 'MALFORMED');
      errors.push({ path: file, code: e.code, message: e.message });
    }
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}

/**
 * The Nagios verdict: 0 OK, 1 WARNING, 2 CRITICAL (or expired), 3 UNKNOWN (nothing was read: no
 * certificate at all, whether sources failed or held none).
 * A connector counts by its longest-lived certificate: Graph keeps expired ones in the list (no
 * call removes one), and a newer certificate takes over from an expiring one by itself.
 */
export function nagiosExitCode(report: Report): 0 | 1 | 2 | 3 {
  // Nothing read (an empty folder, every source failing): nothing is being watched.
  if (report.rows.length === 0) return 3;
  // A connector or a keyset counts by its longest-lived certificate; every other row by itself.
  const counted: ExpiryStatus[] = [];
  const byTarget = new Map<string, ReportRow>();
  for (const r of report.rows) {
    const target = r.connector ? `connector ${r.connector.id}` : r.keyset ? `keyset ${r.keyset.id}` : null;
    if (target === null) {
      counted.push(r.status);
      continue;
    }
    const best = byTarget.get(target);
    if (!best || r.notAfter > best.notAfter) byTarget.set(target, r);
  }
  for (const r of byTarget.values()) counted.push(r.status);
  const worst = Math.max(0, ...counted.map((s) => STATUS_RANK[s]));
  if (worst >= STATUS_RANK.critical) return 2;
  if (worst >= STATUS_RANK.warning) return 1;
  return 0;
}

/**
 * Several reports as one document (one inventory, one exit code): rows sorted by expiry, errors in
 * the order of the reports.
 *
 * @example
 * ```ts
 * const report = mergeReports([await reportConnectors(http, o), await reportKeysets(beta, o)], Math.floor(Date.now() / 1000));
 * process.exitCode = nagiosExitCode(report);
 * ```
 */
export function mergeReports(reports: Report[], now: number): Report {
  return { generatedAt: now, rows: sortRows(reports.flatMap((r) => r.rows)), errors: reports.flatMap((r) => r.errors) };
}
