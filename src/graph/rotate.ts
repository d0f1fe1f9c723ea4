/**
 * rotate: targets → plan → Graph calls → verification, for one or many connectors. Graph gets the
 * encoding B2C accepts (an AES/PBES2 bundle is re-encoded in memory unless asIs). An upload is
 * never blindly re-posted: after a timeout, a 5xx or a lost answer, the connector is re-read and
 * the thumbprint looked for first. Which certificate is active is read from Graph, never
 * predicted. One connector's failure never stops the others.
 */
import { PfxkitError, type PfxkitErrorCode } from '../errors.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { b2cEncodingGaps, convertBundle } from '../pkcs12/convert.js';
import { blockingErrors, candidateOf, planRotation, type CandidateFacts, type Plan, type RotateAction, type RotateMode } from '../rotation/plan.js';
import { validateBundle } from '../validate/validate.js';
import { getConnector, listConnectors, replaceCertificate, uploadClientCertificate } from './connectors.js';
import type { GraphHttp } from './http.js';
import { defaultStateDir, fileJournal, journalKey, type Journal } from './journal.js';
import { certificateListOf, connectorTarget, type ApiConnector, type CertificateListEntry } from './types.js';
import { uploadThenLookUp, type UploadContext } from './upload.js';

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
  /** Send the bytes unchanged, even when B2C would refuse their encoding (default false). */
  asIs?: boolean;
  /** The moment to judge validity at. */
  now: Date;
  /** Connectors handled at once (default 4). */
  concurrency?: number;
  /** Upload attempts in all, each after a re-read (default 3). */
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

/** What Graph got: the bytes re-encoded to the compat profile, or the bytes as given. */
export type Encoding = 'compat' | 'as-is';

export interface RotateResult {
  connector: { id: string; displayName: string | null } | null;
  keyset: { id: string } | null;
  action: RotateAction;
  reason: string;
  dryRun: boolean;
  certificate: CandidateFacts | null;
  encoding: Encoding;
  verified: boolean;
  active: boolean | null;
  /** How many more times than once Graph lists the candidate's thumbprint (0 normally). */
  duplicates: number;
  certificateList: CertificateListEntry[];
  warnings: string[];
  /** Why this target did not succeed, or null. */
  error: { code: PfxkitErrorCode | 'REFUSED'; message: string } | null;
}

export interface RotateReport {
  results: RotateResult[];
  /** 0 all done, 1 a refusal or a failed verification, 2 an error. */
  exitCode: 0 | 1 | 2;
}

type ResultError = NonNullable<RotateResult['error']>;

const UPLOAD_WARNINGS = new Set(['ENCRYPTION_COMPAT', 'EXPIRES_SOON', 'WEAK_KEY', 'WEAK_SIGNATURE']);
const VERDICT_CODES = new Set<ResultError['code']>(['REFUSED', 'VERIFY_FAILED']);

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

const asPfxkitError = (err: unknown): PfxkitError =>
  err instanceof PfxkitError ? err : new PfxkitError('GRAPH_UNAVAILABLE', err instanceof Error ? err.message : String(err), { cause: err });

/** What the bytes sent to Graph are, decided once per run. */
interface Payload {
  encoding: Encoding;
  /** Why B2C would refuse the file as given ([] when it would not). */
  gaps: string[];
  /** The base64 that Graph gets, made on first use (a plan never needs it). */
  value: () => Promise<string>;
}

function payloadOf(options: RotateOptions): Payload {
  const gaps = b2cEncodingGaps(options.bundle);
  const encoding: Encoding = gaps.length && !options.asIs ? 'compat' : 'as-is';
  let value: Promise<string> | null = null;
  const make = async (): Promise<string> => {
    if (encoding === 'as-is') return Buffer.from(options.pkcs12).toString('base64');
    options.log?.(`re-encoding the bundle in memory to the compat profile (3DES, HMAC-SHA1): it has ${gaps.join(' and ')}, which B2C refuses; the file is unchanged`);
    const { pkcs12 } = await convertBundle(options.bundle, { password: options.password, profile: 'compat' });
    return Buffer.from(pkcs12).toString('base64');
  };
  return { encoding, gaps, value: () => (value ??= make()) };
}

/** Graph's AADB2C90213 says "password incorrect" for two reasons: say which one is likely. */
function explain(e: PfxkitError, payload: Payload): string {
  if (e.serviceCode !== 'AADB2C90213') return e.message;
  const why =
    payload.encoding === 'as-is' && payload.gaps.length
      ? `B2C answers this for a PFX that is not encrypted with TripleDES-SHA1, even with the right password, and this one was sent as-is (--as-is) with ${payload.gaps.join(' and ')}: drop --as-is and pfxkit re-encodes it in memory`
      : `B2C answers this when the password does not open the PFX, and for a PFX not encrypted with TripleDES-SHA1 (AES: OpenSSL 3's and keytool's default); this one was sent in the TripleDES-SHA1 form, so the password is the likely cause`;
  return `${e.message}. ${why}`;
}

interface Resolved {
  targets: { id: string; connector?: ApiConnector }[];
  /** Names that resolve to no connector or to several, or a failed listing. */
  failures: { id: string; name: string; error: ResultError }[];
}

/** Connector ids as given, and display names resolved by listing (each must name one connector). */
async function resolveConnectors(http: GraphHttp, ids: string[], names: string[]): Promise<Resolved> {
  const out: Resolved = { targets: ids.map((id) => ({ id })), failures: [] };
  if (!names.length) return out;
  let all: ApiConnector[];
  try {
    all = await listConnectors(http);
  } catch (err) {
    const e = asPfxkitError(err);
    for (const name of names) out.failures.push({ id: name, name, error: { code: e.code, message: e.message } });
    return out;
  }
  for (const name of names) {
    const hits = all.filter((c) => c.displayName === name);
    if (hits.length === 1) out.targets.push({ id: hits[0]!.id, connector: hits[0]! });
    else if (hits.length) out.failures.push({ id: name, name, error: { code: 'USAGE', message: `${hits.length} connectors are named "${name}": give --connector ID` } });
    else out.failures.push({ id: name, name, error: { code: 'GRAPH_NOT_FOUND', message: `no connector is named "${name}"` } });
  }
  return out;
}

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
  const validation = validateBundle(options.bundle, { now: options.now });
  const candidate = candidateOf(options.bundle);
  const payload = payloadOf(options);
  const dryRun = options.dryRun === true;
  const ids = options.connectors ?? [];
  const names = options.connectorNames ?? [];
  if (ids.length + names.length === 0) throw new PfxkitError('USAGE', 'name at least one connector (--connector ID or --connector-name NAME)');

  const result = (connector: RotateResult['connector'], fields: Partial<RotateResult>): RotateResult => ({
    connector,
    keyset: null,
    action: 'none',
    reason: 'not rotated: see the error',
    dryRun,
    certificate: candidate,
    encoding: payload.encoding,
    verified: false,
    active: null,
    duplicates: 0,
    certificateList: [],
    warnings: [],
    error: null,
    ...fields,
  });

  if (!candidate || blockingErrors(validation).length) {
    // Refused before any Graph call: validation has the reasons.
    const message = `the candidate fails validation (${blockingErrors(validation).join(', ')}): nothing is written`;
    const refused = (id: string, name: string | null): RotateResult => result({ id, displayName: name }, { reason: message, error: { code: 'REFUSED', message } });
    return { results: [...ids.map((id) => refused(id, null)), ...names.map((n) => refused(n, n))], exitCode: 1 };
  }

  // Findings that bear on the upload itself travel with each result; the encoding finding only
  // when the bytes go as they are.
  const validationWarnings = validation.findings
    .filter((f) => UPLOAD_WARNINGS.has(f.code) && !(f.code === 'ENCRYPTION_COMPAT' && payload.encoding === 'compat'))
    .map((f) => `${f.code}: ${f.message}`);
  if (payload.encoding === 'as-is' && payload.gaps.length && !validationWarnings.some((w) => w.startsWith('ENCRYPTION_COMPAT'))) {
    validationWarnings.push(`sent as-is with ${payload.gaps.join(' and ')}: B2C documents TripleDES-SHA1 and answers AADB2C90213 otherwise`);
  }

  const checkActive = (entry: CertificateListEntry | undefined): RotateResult['error'] =>
    options.requireActive && entry && !entry.isActive
      ? { code: 'VERIFY_FAILED', message: 'the certificate is in the list but Graph does not show it active (--require-active)' }
      : null;

  /** The result as Graph's list shows it: the candidate with its epochs, active or not, listed once or more. */
  const verify = (r: RotateResult, list: CertificateListEntry[]): RotateResult => {
    const entry = list.find((e) => matches(e, candidate));
    if (!entry) {
      const message = `Graph's certificate list does not show ${candidate.thumbprint} with notBefore ${candidate.notBefore} and notAfter ${candidate.notAfter}`;
      return { ...r, certificateList: list, error: r.action === 'none' ? null : { code: 'VERIFY_FAILED', message } };
    }
    const duplicates = list.filter((e) => e.thumbprint.toUpperCase() === candidate.thumbprint).length - 1;
    const warnings = duplicates
      ? [...r.warnings, `Graph lists ${candidate.thumbprint} ${duplicates + 1} times (an upload from another machine or tool, or from before pfxkit kept a journal): no call removes one certificate; --mode replace rewrites the list with this one alone`]
      : r.warnings;
    return { ...r, certificateList: list, verified: true, active: entry.isActive, duplicates, warnings, error: checkActive(entry) };
  };

  const clock = options.clock ?? Date.now;
  const journal = options.journal ?? fileJournal(defaultStateDir());
  const origin = new URL(options.http.baseUrl).origin;
  const uploads: UploadContext = {
    journal,
    now: clock,
    sleep: (ms) => options.http.pause(ms),
    timeoutMs: options.http.timeoutMs,
    graceMs: options.graceMs ?? 60_000,
    maxAttempts: options.maxUploadAttempts ?? 3,
    log,
  };

  /** The write a plan asks for, and the certificate list Graph shows after it. */
  const apply = async (plan: Plan): Promise<CertificateListEntry[]> => {
    const id = plan.target.id;
    const list = async (): Promise<CertificateListEntry[]> => certificateListOf(await getConnector(options.http, id));
    if (plan.action === 'replace') {
      await replaceCertificate(options.http, id, await payload.value(), options.password);
      return list();
    }
    const value = await payload.value();
    const post = async (): Promise<CertificateListEntry[]> => certificateListOf(await uploadClientCertificate(options.http, id, value, options.password));
    return uploadThenLookUp(uploads, { label: `connector ${id}`, key: journalKey(origin, 'connector', id), post, list }, candidate.thumbprint);
  };

  /** Holds the target's lock around `work` (a plan never takes it: it writes nothing). */
  const locked = async <T>(id: string, work: () => Promise<T>): Promise<T> => {
    if (dryRun) return work();
    const release = await journal.lock(journalKey(origin, 'connector', id), `connector ${id}`, {
      waitMs: options.lockWaitMs ?? 120_000,
      sleep: (ms) => options.http.pause(ms),
      now: clock,
      onWait: log,
    });
    try {
      return await work();
    } finally {
      await release();
    }
  };

  const one = async (target: Resolved['targets'][number]): Promise<RotateResult> => {
    try {
      return await locked(target.id, () => rotateOne(target));
    } catch (err) {
      const e = asPfxkitError(err);
      return result({ id: target.id, displayName: target.connector?.displayName ?? null }, { error: { code: e.code, message: e.message } });
    }
  };

  const rotateOne = async ({ id, connector: known }: Resolved['targets'][number]): Promise<RotateResult> => {
    let connector: ApiConnector;
    try {
      // A write reads the connector after taking its lock: the look-up right before the post.
      connector = (dryRun ? known : undefined) ?? (await getConnector(options.http, id));
    } catch (err) {
      const e = asPfxkitError(err);
      return result({ id, displayName: null }, { error: { code: e.code, message: e.message } });
    }
    const plan = planRotation({ target: connectorTarget(connector), candidate, validation, now, mode, allowOlder: options.allowOlder });
    const r = result(
      { id: connector.id, displayName: connector.displayName },
      {
        action: plan.action,
        reason: plan.reason,
        certificateList: plan.certificateList,
        warnings: [...plan.warnings, ...validationWarnings],
        error: plan.refused ? { code: 'REFUSED', message: plan.reason } : null,
      },
    );
    if (plan.refused || dryRun) return r;
    if (plan.action === 'none') return verify(r, plan.certificateList);
    try {
      return verify(r, await apply(plan));
    } catch (err) {
      const e = asPfxkitError(err);
      return { ...r, error: { code: e.code, message: explain(e, payload) } };
    }
  };

  const { targets, failures } = await resolveConnectors(options.http, ids, names);
  const early = failures.map((f) => result({ id: f.id, displayName: f.name }, { error: f.error }));
  const results = [...early, ...(await pool(targets, Math.max(1, options.concurrency ?? 4), one))];
  return { results, exitCode: exitCodeOf(results) };
}
