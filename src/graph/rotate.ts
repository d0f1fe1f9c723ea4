/**
 * rotate: targets → plan → Graph calls → verification, for API connectors and B2C policy keysets.
 * Graph gets the encoding B2C accepts (an AES/PBES2 bundle is re-encoded in memory unless asIs).
 * Each target is locked while it is written, and an upload is never posted again while an earlier
 * one could still land (upload.ts). Which certificate is active is read from Graph, never
 * predicted. One target's failure never stops the others.
 */
import { PfxkitError, type Problem } from '../errors.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { blockingErrors, candidateOf, type RotateMode } from '../rotation/plan.js';
import { validateBundle } from '../validate/validate.js';
import { betaUrlOf } from './clouds.js';
import { listConnectors } from './connectors.js';
import { keysetIdOf } from './keysets.js';
import type { GraphHttp } from './http.js';
import { defaultStateDir, fileJournal, type Journal } from './journal.js';
import { rotateConnector } from './rotate-connector.js';
import { rotateKeyset } from './rotate-keyset.js';
import { asPfxkitError, encodingsOf, lockerOf, type RotateResult, type Run, type RunOptions } from './run.js';
import type { ApiConnector } from './types.js';
import type { TargetKind } from '../rotation/target.js';

export type { Encoding, RotateResult } from './run.js';

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
  /** B2C policy keyset ids (Graph beta, derived from `http`'s base URL). */
  keysets?: string[];
  /** Create a keyset that does not exist yet before uploading to it (default false: GRAPH_NOT_FOUND). */
  createKeysets?: boolean;
  mode?: RotateMode;
  dryRun?: boolean;
  requireActive?: boolean;
  allowOlder?: boolean;
  /** Send the bytes unchanged, even when B2C would refuse their encoding (default false). */
  asIs?: boolean;
  /** The moment to judge validity at. */
  now: Date;
  /** Targets handled at once (default 4). */
  concurrency?: number;
  /** Upload attempts in all, each after a look-up (default 3). */
  maxUploadAttempts?: number;
  /**
   * Locks per target and records of uploads with an unknown outcome, shared by every run on the
   * machine (default: files in `defaultStateDir()`).
   */
  journal?: Journal;
  /** How long to wait for another run that holds a target's lock (default 120 s). */
  lockWaitMs?: number;
  /** How long after its timeout an unanswered upload may still land (default 60 s). */
  graceMs?: number;
  /** Epoch ms (default Date.now); waits use the HTTP client's sleeper. */
  clock?: () => number;
  log?: (line: string) => void;
}

export interface RotateReport {
  results: RotateResult[];
  /** 0 all done, 1 a refusal or a failed verification, 2 an error. */
  exitCode: 0 | 1 | 2;
}

const VERDICT_CODES = new Set<Problem['code']>(['REFUSED', 'VERIFY_FAILED']);

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

/** One target to rotate, or a connector name that resolves to none (or to several). */
type Job = { kind: 'connector'; id: string; connector?: ApiConnector } | { kind: 'keyset'; id: string } | { kind: 'unresolved'; name: string; error: Problem };

/** The targets in the order given (ids, names, keysets), each once: a name that resolves to an id given too is not rotated twice. */
async function resolveTargets(http: GraphHttp, ids: string[], names: string[], keysets: string[]): Promise<Job[]> {
  const jobs: Job[] = ids.map((id) => ({ kind: 'connector', id }));
  if (names.length) {
    let all: ApiConnector[] | null = null;
    let failure: Problem | null = null;
    try {
      all = await listConnectors(http);
    } catch (err) {
      const e = asPfxkitError(err);
      failure = { code: e.code, message: e.message };
    }
    for (const name of names) {
      const hits = all?.filter((c) => c.displayName === name) ?? [];
      if (failure) jobs.push({ kind: 'unresolved', name, error: failure });
      else if (hits.length === 1) jobs.push({ kind: 'connector', id: hits[0]!.id, connector: hits[0]! });
      else if (hits.length) jobs.push({ kind: 'unresolved', name, error: { code: 'USAGE', message: `${hits.length} connectors are named "${name}": give --connector ID` } });
      else jobs.push({ kind: 'unresolved', name, error: { code: 'GRAPH_NOT_FOUND', message: `no connector is named "${name}"` } });
    }
  }
  jobs.push(...keysets.map((id): Job => ({ kind: 'keyset', id })));
  const seen = new Set<string>();
  return jobs.filter((j) => {
    const key = j.kind === 'unresolved' ? `name ${j.name}` : `${j.kind} ${j.id.toLowerCase()}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** A result for one target with nothing done yet: `fields` say what happened. */
type Blank = (kind: TargetKind, id: string, displayName: string | null) => (fields: Partial<RotateResult>) => RotateResult;

function blankResults(candidate: Run['candidate'] | null, dryRun: boolean, encodings: ReturnType<typeof encodingsOf>): Blank {
  return (kind, id, displayName) => (fields) => ({
    connector: kind === 'connector' ? { id, displayName } : null,
    keyset: kind === 'keyset' ? { id } : null,
    action: 'none',
    reason: 'not rotated: see the error',
    dryRun,
    certificate: candidate,
    encoding: encodings.encoding(kind),
    verified: false,
    active: null,
    duplicates: 0,
    certificateList: [],
    warnings: [],
    error: null,
    ...fields,
  });
}

/** Everything a target's rotation needs from the options: the candidate's facts, the encodings, the lock and the upload settings. */
function runOf(options: RotateOptions, runOptions: RunOptions, candidate: Run['candidate'], encodings: ReturnType<typeof encodingsOf>): Run {
  const dryRun = options.dryRun === true;
  return {
    http: options.http,
    candidate,
    validation: runOptions.validation,
    now: Math.floor(options.now.getTime() / 1000),
    mode: options.mode ?? 'auto',
    allowOlder: options.allowOlder === true,
    dryRun,
    requireActive: options.requireActive === true,
    createKeysets: options.createKeysets === true,
    ...encodings,
    ...lockerOf(runOptions, dryRun),
    uploads: {
      journal: runOptions.journal,
      now: runOptions.clock,
      sleep: (ms) => options.http.pause(ms),
      timeoutMs: options.http.timeoutMs,
      graceMs: options.graceMs ?? 60_000,
      maxAttempts: options.maxUploadAttempts ?? 3,
      log: runOptions.log,
    },
    log: runOptions.log,
  };
}

/**
 * Rotates the candidate bundle onto each connector and keyset and verifies what Graph answers.
 *
 * @example
 * ```ts
 * const report = await rotate({ http, bundle, pkcs12: bytes, password, connectors: [id], keysets: ['B2C_1A_RestApiClientCertificate'], now: new Date() });
 * process.exitCode = report.exitCode;
 * ```
 */
export async function rotate(options: RotateOptions): Promise<RotateReport> {
  const ids = options.connectors ?? [];
  const names = options.connectorNames ?? [];
  const keysets = (options.keysets ?? []).map(keysetIdOf);
  if (ids.length + names.length + keysets.length === 0) throw new PfxkitError('USAGE', 'name at least one target (--connector ID, --connector-name NAME or --keyset ID)');
  const runOptions: RunOptions = {
    http: options.http,
    bundle: options.bundle,
    validation: validateBundle(options.bundle, { now: options.now }),
    pkcs12: options.pkcs12,
    password: options.password,
    asIs: options.asIs === true,
    journal: options.journal ?? fileJournal(defaultStateDir()),
    lockWaitMs: options.lockWaitMs ?? 120_000,
    clock: options.clock ?? Date.now,
    log: options.log ?? (() => undefined),
  };
  const candidate = candidateOf(options.bundle);
  const encodings = encodingsOf(runOptions);
  const blank = blankResults(candidate, options.dryRun === true, encodings);

  const blocking = blockingErrors(runOptions.validation);
  if (!candidate || blocking.length) {
    // Refused before any Graph call: validation has the reasons.
    const message = `the candidate fails validation (${blocking.join(', ')}): nothing is written`;
    const refused = (kind: TargetKind, id: string, name: string | null): RotateResult => blank(kind, id, name)({ reason: message, error: { code: 'REFUSED', message } });
    const results = [...ids.map((id) => refused('connector', id, null)), ...names.map((n) => refused('connector', n, n)), ...keysets.map((k) => refused('keyset', k, null))];
    return { results, exitCode: 1 };
  }

  const run = runOf(options, runOptions, candidate, encodings);
  const beta = keysets.length ? options.http.withBaseUrl(betaUrlOf(options.http.baseUrl)) : options.http;
  const one = async (job: Job): Promise<RotateResult> => {
    if (job.kind === 'unresolved') return blank('connector', job.name, job.name)({ error: job.error });
    const fresh = blank(job.kind, job.id, job.kind === 'connector' ? (job.connector?.displayName ?? null) : null);
    try {
      return await run.locked(job.kind, job.id, () => (job.kind === 'connector' ? rotateConnector(run, job.id, job.connector, fresh) : rotateKeyset(run, beta, job.id, fresh)));
    } catch (err) {
      const e = asPfxkitError(err);
      return fresh({ error: { code: e.code, message: e.message } });
    }
  };
  const jobs = await resolveTargets(options.http, ids, names, keysets);
  const results = await pool(jobs, Math.max(1, options.concurrency ?? 4), one);
  return { results, exitCode: exitCodeOf(results) };
}
