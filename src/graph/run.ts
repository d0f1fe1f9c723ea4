/**
 * What one rotation run shares across its targets: the candidate and its validation, the bytes
 * Graph gets (in the encoding B2C accepts), the journal and its locks, and the way a result is
 * built and verified against what Graph shows. rotate.ts builds it; rotate-connector.ts and
 * rotate-keyset.ts apply it to one target each.
 */
import { randomBytes } from 'node:crypto';
import { toPfxkitError, type PfxkitError, type Problem } from '../errors.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { b2cEncodingGaps, convertBundle } from '../pkcs12/convert.js';
import type { CandidateFacts, RotateAction, RotateMode } from '../rotation/plan.js';
import type { TargetCertificate, TargetKind } from '../rotation/target.js';
import type { ValidationResult } from '../validate/types.js';
import type { GraphHttp } from './http.js';
import { journalKey, type Journal } from './journal.js';
import type { UploadContext } from './upload.js';

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
  certificateList: TargetCertificate[];
  warnings: string[];
  /** Why this target did not succeed, or null. */
  error: Problem | null;
}

/** The bytes and password one kind of target gets. */
export interface Sent {
  value: string;
  password: string;
}

export interface Run {
  http: GraphHttp;
  candidate: CandidateFacts;
  validation: ValidationResult;
  /** Epoch seconds. */
  now: number;
  mode: RotateMode;
  allowOlder: boolean;
  dryRun: boolean;
  requireActive: boolean;
  createKeysets: boolean;
  /** Validation findings that bear on the upload, as warnings. */
  validationWarnings: (kind: TargetKind) => string[];
  encoding: (kind: TargetKind) => Encoding;
  /** The base64 and password a kind of target gets, made on first use (a plan never needs them). */
  sent: (kind: TargetKind) => Promise<Sent>;
  /** Graph's AADB2C90213 says "password incorrect" for two reasons: the message says which is likely. */
  explain: (e: PfxkitError, kind: TargetKind) => string;
  uploads: UploadContext;
  /** Journal key of a target (the Graph origin, the kind, the id). */
  key: (kind: TargetKind, id: string) => string;
  /** Holds the target's lock around `work` (a plan takes none: it writes nothing). */
  locked: <T>(kind: TargetKind, id: string, work: () => Promise<T>) => Promise<T>;
  log: (line: string) => void;
}

export interface RunOptions {
  http: GraphHttp;
  bundle: Pkcs12Bundle;
  validation: ValidationResult;
  pkcs12: Uint8Array;
  password: string;
  asIs: boolean;
  journal: Journal;
  lockWaitMs: number;
  clock: () => number;
  log: (line: string) => void;
}

const UPLOAD_WARNINGS = new Set(['ENCRYPTION_COMPAT', 'EXPIRES_SOON', 'WEAK_KEY', 'WEAK_SIGNATURE']);

/**
 * The encodings of a run. Graph gets what B2C accepts: an AES/PBES2 bundle, or one with a MAC
 * other than HMAC-SHA1, is re-encoded in memory to compat unless asIs. A keyset also gets a
 * password: a bundle with the empty one is re-encoded under a generated password (B2C's policy-key
 * upload wants a password-protected file), which is never printed.
 */
export function encodingsOf(o: RunOptions): Pick<Run, 'encoding' | 'sent' | 'explain' | 'validationWarnings'> {
  const gaps = b2cEncodingGaps(o.bundle);
  const reasons = (kind: TargetKind): string[] => (o.asIs ? [] : [...gaps, ...(kind === 'keyset' && o.password === '' ? ['the empty password'] : [])]);
  const encoding = (kind: TargetKind): Encoding => (reasons(kind).length ? 'compat' : 'as-is');
  const made = new Map<TargetKind, Promise<Sent>>();
  const make = async (kind: TargetKind): Promise<Sent> => {
    if (encoding(kind) === 'as-is') return { value: Buffer.from(o.pkcs12).toString('base64'), password: o.password };
    const password = o.password === '' && kind === 'keyset' ? randomBytes(24).toString('base64url') : o.password;
    o.log(
      `re-encoding the bundle in memory to the compat profile (3DES, HMAC-SHA1) for ${kind === 'keyset' ? 'a keyset' : 'a connector'}: it has ${reasons(kind).join(' and ')}; the file is unchanged`,
    );
    const { pkcs12 } = await convertBundle(o.bundle, { password: o.password, newPassword: password, profile: 'compat' });
    return { value: Buffer.from(pkcs12).toString('base64'), password };
  };
  const sent = (kind: TargetKind): Promise<Sent> => {
    let p = made.get(kind);
    if (!p) made.set(kind, (p = make(kind)));
    return p;
  };
  const explain = (e: PfxkitError, kind: TargetKind): string => {
    if (e.serviceCode !== 'AADB2C90213') return e.message;
    const usual = "B2C answers this when the password does not open the PFX, and for a PFX not encrypted with TripleDES-SHA1 (AES: OpenSSL 3's and keytool's default)";
    const why =
      encoding(kind) === 'compat'
        ? `${usual}; but pfxkit re-encoded this one to TripleDES-SHA1 under the very password it sent, so neither applies: B2C may read a non-ASCII password differently, or refuse something else in the file`
        : gaps.length
          ? `B2C answers this for a PFX that is not encrypted with TripleDES-SHA1, even with the right password, and this one was sent as-is (--as-is) with ${gaps.join(' and ')}: drop --as-is and pfxkit re-encodes it in memory`
          : `${usual}; this one was sent as it is, already TripleDES-SHA1, so the password given with it is the likely cause`;
    return `${e.message}. ${why}`;
  };
  return { encoding, sent, explain, validationWarnings: (kind) => warningsOf(o.validation, encoding(kind), gaps) };
}

/** Findings that bear on the upload itself; the encoding finding only when the bytes go as they are. */
function warningsOf(validation: ValidationResult, encoding: Encoding, gaps: string[]): string[] {
  const out = validation.findings.filter((f) => UPLOAD_WARNINGS.has(f.code) && !(f.code === 'ENCRYPTION_COMPAT' && encoding === 'compat')).map((f) => `${f.code}: ${f.message}`);
  if (encoding === 'as-is' && gaps.length && !out.some((w) => w.startsWith('ENCRYPTION_COMPAT'))) {
    out.push(`sent as-is with ${gaps.join(' and ')}: B2C documents TripleDES-SHA1 and answers AADB2C90213 otherwise`);
  }
  return out;
}

/** Takes a target's lock around work (no lock for a plan). */
export function lockerOf(o: RunOptions, dryRun: boolean): Pick<Run, 'key' | 'locked'> {
  const origin = new URL(o.http.baseUrl).origin;
  const key = (kind: TargetKind, id: string): string => journalKey(origin, kind, id);
  const locked = async <T>(kind: TargetKind, id: string, work: () => Promise<T>): Promise<T> => {
    if (dryRun) return work();
    const release = await o.journal.lock(key(kind, id), `${kind} ${id}`, { waitMs: o.lockWaitMs, sleep: (ms) => o.http.pause(ms), now: o.clock, onWait: o.log });
    try {
      return await work();
    } finally {
      await release();
    }
  };
  return { key, locked };
}

const matches = (e: TargetCertificate, c: CandidateFacts): boolean => e.thumbprint.toUpperCase() === c.thumbprint && e.notBefore === c.notBefore && e.notAfter === c.notAfter;

/**
 * The result as the target's list shows it after a write (or with nothing to write): the
 * candidate with its epochs, active or not, listed once or more.
 */
export function verify(run: Run, r: RotateResult, list: TargetCertificate[]): RotateResult {
  const { candidate } = run;
  const keyset = r.keyset !== null;
  // With duplicates, any copy Graph marks active counts.
  const entry = list.find((e) => matches(e, candidate) && e.isActive) ?? list.find((e) => matches(e, candidate));
  if (!entry) {
    // Also when nothing was written: the thumbprint is there with other epochs, as Graph keeps it.
    const message = `${keyset ? 'the keyset' : "Graph's certificate list"} does not show ${candidate.thumbprint} with notBefore ${candidate.notBefore} and notAfter ${candidate.notAfter}`;
    return { ...r, certificateList: list, error: { code: 'VERIFY_FAILED', message } };
  }
  const duplicates = list.filter((e) => e.thumbprint.toUpperCase() === candidate.thumbprint).length - 1;
  const warnings = duplicates
    ? [
        ...r.warnings,
        `${keyset ? 'the keyset holds' : 'Graph lists'} ${candidate.thumbprint} ${duplicates + 1} times (an upload from another machine or tool, or from before pfxkit kept a journal): no call removes one certificate${keyset ? '' : '; --mode replace rewrites the list with this one alone'}`,
      ]
    : r.warnings;
  const inactive = run.requireActive && !entry.isActive;
  const message = keyset ? 'the key is in the keyset but getActiveKey returns another (--require-active)' : 'the certificate is in the list but Graph does not show it active (--require-active)';
  return { ...r, certificateList: list, verified: true, active: entry.isActive, duplicates, warnings, error: inactive ? { code: 'VERIFY_FAILED', message } : null };
}

export const asPfxkitError = (err: unknown): PfxkitError => toPfxkitError(err, 'GRAPH_UNAVAILABLE');
