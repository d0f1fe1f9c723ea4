/**
 * rotate: plan → Graph calls → verification, for one or many connectors. An upload is never
 * blindly re-posted: after a timeout, a 5xx or a lost answer, the connector is re-read and the
 * thumbprint looked for first. One connector's failure never stops the others.
 */
import { PfxkitError, type PfxkitErrorCode } from '../errors.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { blockingErrors, candidateOf, planRotation, type CandidateFacts, type RotateAction, type RotateMode } from '../rotation/plan.js';
import { validateBundle } from '../validate/validate.js';
import type { ValidationResult } from '../validate/types.js';
import { getConnector, listConnectors, replaceCertificate, uploadClientCertificate } from './connectors.js';
import { TransportError, type GraphHttp } from './http.js';
import { certificateListOf, type ApiConnector, type CertificateListEntry } from './types.js';

export interface RotateOptions {
  http: GraphHttp;
  /** The candidate, as read (for planning) and as bytes (for the upload). */
  bundle: Pkcs12Bundle;
  pkcs12: Uint8Array;
  /** The bundle's password as Graph needs it ("" when none). */
  password: string;
  /** Connector ids. */
  connectors?: string[];
  /** Connector display names, resolved by listing the connectors. */
  connectorNames?: string[];
  mode?: RotateMode;
  dryRun?: boolean;
  requireActive?: boolean;
  allowOlder?: boolean;
  /** The moment to judge validity at. */
  now: Date;
  /** Connectors handled at once (default 4). */
  concurrency?: number;
  /** Upload attempts in all, each after a re-read (default 3). */
  maxUploadAttempts?: number;
  log?: (line: string) => void;
}

export interface RotateResult {
  connector: { id: string; displayName: string | null };
  action: RotateAction;
  reason: string;
  dryRun: boolean;
  certificate: CandidateFacts | null;
  verified: boolean;
  active: boolean | null;
  certificateList: CertificateListEntry[];
  warnings: string[];
  /** Why this connector did not succeed, or null. */
  error: { code: PfxkitErrorCode | 'REFUSED'; message: string } | null;
}

export interface RotateReport {
  results: RotateResult[];
  /** 0 all done, 1 a refusal or a failed verification, 2 an error. */
  exitCode: 0 | 1 | 2;
}

const UPLOAD_WARNINGS = new Set(['ENCRYPTION_COMPAT', 'EXPIRES_SOON', 'WEAK_KEY', 'WEAK_SIGNATURE']);

type ResultCode = NonNullable<RotateResult['error']>['code'];

const VERDICT_CODES = new Set<ResultCode>(['REFUSED', 'VERIFY_FAILED']);

function exitCodeOf(results: RotateResult[]): 0 | 1 | 2 {
  let worst: 0 | 1 | 2 = 0;
  for (const r of results) {
    if (!r.error) continue;
    worst = VERDICT_CODES.has(r.error.code) ? (worst === 2 ? 2 : 1) : 2;
  }
  return worst;
}

async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

const matches = (e: CertificateListEntry, c: CandidateFacts): boolean =>
  e.thumbprint.toUpperCase() === c.thumbprint && e.notBefore === c.notBefore && e.notAfter === c.notAfter;

/**
 * Rotates the candidate bundle onto each connector and verifies what Graph answers.
 *
 * @example
 * ```ts
 * const report = await rotate({ http, bundle, pkcs12: bytes, password, connectors: [id], now: new Date() });
 * process.exitCode = report.exitCode;
 * ```
 */
export async function rotate(options: RotateOptions): Promise<RotateReport> {
  const mode = options.mode ?? 'auto';
  const now = Math.floor(options.now.getTime() / 1000);
  const log = options.log ?? (() => undefined);
  const validation: ValidationResult = validateBundle(options.bundle, { now: options.now });
  const candidate = candidateOf(options.bundle);
  const pkcs12Value = Buffer.from(options.pkcs12).toString('base64');
  const ids = [...(options.connectors ?? [])];
  const known = new Map<string, ApiConnector>();
  const early: RotateResult[] = [];

  const failed = (id: string, name: string | null, code: ResultCode, message: string, reason = 'not rotated: see the error'): RotateResult => ({
    connector: { id, displayName: name },
    action: 'none',
    reason,
    dryRun: options.dryRun === true,
    certificate: candidate,
    verified: false,
    active: null,
    certificateList: [],
    warnings: [],
    error: { code, message },
  });

  if (!candidate || blockingErrors(validation).length) {
    // Refused before any Graph call: validation has the reasons.
    const codes = blockingErrors(validation).join(', ');
    const message = `the candidate fails validation (${codes}): nothing is written`;
    const refused = (id: string, name: string | null): RotateResult => failed(id, name, 'REFUSED', message, message);
    const results = [...ids.map((id) => refused(id, null)), ...(options.connectorNames ?? []).map((n) => refused(n, n))];
    return { results, exitCode: 1 };
  }

  if (options.connectorNames?.length) {
    try {
      const all = await listConnectors(options.http);
      for (const name of options.connectorNames) {
        const hits = all.filter((c) => c.displayName === name);
        if (hits.length === 1) {
          ids.push(hits[0]!.id);
          known.set(hits[0]!.id, hits[0]!);
        } else {
          early.push(failed(name, name, hits.length ? 'USAGE' : 'GRAPH_NOT_FOUND', hits.length ? `${hits.length} connectors are named "${name}": give --connector ID` : `no connector is named "${name}"`));
        }
      }
    } catch (err) {
      const e = err instanceof PfxkitError ? err : new PfxkitError('GRAPH_UNAVAILABLE', String(err));
      for (const name of options.connectorNames) early.push(failed(name, name, e.code, e.message));
    }
  }
  if (ids.length === 0 && early.length === 0) throw new PfxkitError('USAGE', 'name at least one connector (--connector ID or --connector-name NAME)');

  // Findings that bear on the upload itself travel with each result.
  const validationWarnings = validation.findings.filter((f) => UPLOAD_WARNINGS.has(f.code)).map((f) => `${f.code}: ${f.message}`);

  const one = async (id: string): Promise<RotateResult> => {
    let connector: ApiConnector;
    try {
      connector = known.get(id) ?? (await getConnector(options.http, id));
    } catch (err) {
      const e = err instanceof PfxkitError ? err : new PfxkitError('GRAPH_UNAVAILABLE', String(err), { cause: err });
      return failed(id, null, e.code, e.message);
    }
    const plan = planRotation({ connector, candidate, validation, now, mode, allowOlder: options.allowOlder });
    const result: RotateResult = {
      connector: plan.connector,
      action: plan.action,
      reason: plan.reason,
      dryRun: options.dryRun === true,
      certificate: candidate,
      verified: false,
      active: null,
      certificateList: plan.certificateList,
      warnings: [...plan.warnings, ...validationWarnings],
      error: plan.refused ? { code: 'REFUSED', message: plan.reason } : null,
    };
    if (plan.refused || options.dryRun) return result;
    if (plan.action === 'none') {
      const entry = plan.certificateList.find((e) => matches(e, candidate));
      return { ...result, verified: entry !== undefined, active: entry?.isActive ?? null, error: checkActive(entry) };
    }
    try {
      let list: CertificateListEntry[];
      if (plan.action === 'replace') {
        await replaceCertificate(options.http, id, pkcs12Value, options.password);
        list = certificateListOf(await getConnector(options.http, id));
      } else {
        list = await uploadOnce(id);
      }
      const entry = list.find((e) => matches(e, candidate));
      result.certificateList = list;
      if (!entry) {
        return {
          ...result,
          error: {
            code: 'VERIFY_FAILED',
            message: `Graph's certificate list does not show ${candidate.thumbprint} with notBefore ${candidate.notBefore} and notAfter ${candidate.notAfter}`,
          },
        };
      }
      return { ...result, verified: true, active: entry.isActive, error: checkActive(entry) };
    } catch (err) {
      const e = err instanceof PfxkitError ? err : new PfxkitError('GRAPH_UNAVAILABLE', err instanceof Error ? err.message : String(err), { cause: err });
      return { ...result, error: { code: e.code, message: e.message } };
    }
  };

  const checkActive = (entry: CertificateListEntry | undefined): RotateResult['error'] =>
    options.requireActive && entry && !entry.isActive
      ? { code: 'VERIFY_FAILED', message: 'the certificate is in the list but Graph does not show it active (--require-active)' }
      : null;

  /**
   * Upload; on an unknown outcome look for the thumbprint before posting again. An upload that
   * timed out may still be in flight, so the connector is read now and again after waits of one,
   * two and four timeouts (at most a minute each) before the upload is sent a second time.
   */
  const uploadOnce = async (id: string): Promise<CertificateListEntry[]> => {
    const attempts = options.maxUploadAttempts ?? 3;
    const present = (list: CertificateListEntry[]): boolean => list.some((e) => e.thumbprint.toUpperCase() === candidate.thumbprint);
    for (let attempt = 1; ; attempt++) {
      try {
        return certificateListOf(await uploadClientCertificate(options.http, id, pkcs12Value, options.password));
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        log(`${id}: upload outcome unknown (${err.message}); looking for the certificate before sending it again`);
        const waits = [0, 1, 2, 4].map((k) => Math.min(k * options.http.timeoutMs, 60_000));
        for (const wait of waits) {
          if (wait) await options.http.pause(wait);
          const list = certificateListOf(await getConnector(options.http, id));
          if (present(list)) {
            log(`${id}: the certificate is there: not uploading again`);
            return list;
          }
        }
        if (attempt >= attempts) throw new PfxkitError('GRAPH_UNAVAILABLE', `upload to ${id}: no answer after ${attempt} attempts, and the certificate is not in the list`, { cause: err });
      }
    }
  };

  const results = [...early, ...(await pool(ids, Math.max(1, options.concurrency ?? 4), one))];
  return { results, exitCode: exitCodeOf(results) };
}
