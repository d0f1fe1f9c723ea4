/**
 * Upload, then look up: an append-only upload (uploadClientCertificate, uploadPkcs12) is not
 * idempotent, so it is never posted again while an earlier post of the same certificate could
 * still land. Before each post a record goes to the journal; a definite answer removes it. An
 * unknown outcome (a timeout, a lost answer, a 5xx) is settled by looking the certificate up until
 * the post can no longer land: at once, then after 1, 2, 4, ... s (at most 15 s apart). A post
 * Graph answered with a 5xx can no longer land, so one look-up settles it; one that got no answer
 * is given its timeout plus `graceMs`. A record left by a killed run is settled the same way
 * before this run posts.
 */
import { hostname } from 'node:os';
import { PfxkitError } from '../errors.js';
import type { TargetCertificate } from '../rotation/target.js';
import { TransportError } from './http.js';
import { journalKey, type Journal, type PendingUpload } from './journal.js';
import { isoMs } from '../lib/text.js';

export interface UploadContext {
  journal: Journal;
  /** Epoch ms. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The per-request timeout (ms): how long a post may take before it counts as unanswered. */
  timeoutMs: number;
  /** How long after its timeout an unanswered post may still land (ms). */
  graceMs: number;
  /** Posts in all (default 3). */
  maxAttempts: number;
  log: (line: string) => void;
}

export interface UploadTarget {
  /** `connector ID` or `keyset ID`, for messages. */
  label: string;
  /** Identifies the target across runs (the Graph origin and the id). */
  key: string;
  /**
   * The upload; resolves with the certificates Graph's answer shows (or a re-read after it).
   * `beforeAttempt` must be awaited before each attempt the HTTP layer makes (a 429 is retried
   * there): it records when the post went out.
   */
  post: (beforeAttempt: () => Promise<void>) => Promise<TargetCertificate[]>;
  /** The target's certificates now. */
  list: () => Promise<TargetCertificate[]>;
}

/** Look-ups for one unknown outcome at the most (15 s apart at the longest). */
const MAX_LOOKUPS = 100;

/**
 * Uploads the certificate `thumbprint` to `target` at most once per chance of landing; resolves
 * with the target's certificates once it is there.
 */
export async function uploadThenLookUp(ctx: UploadContext, target: UploadTarget, thumbprint: string): Promise<TargetCertificate[]> {
  const key = journalKey(target.key, thumbprint);
  const present = (list: TargetCertificate[]): boolean => list.some((e) => e.thumbprint.toUpperCase() === thumbprint);

  /** Looks until the post in `rec` shows or can no longer land (then null, and the record goes). */
  const settle = async (rec: PendingUpload): Promise<TargetCertificate[] | null> => {
    for (let wait = 1000, looks = 1; ; wait = Math.min(wait * 2, 15_000), looks++) {
      // A clock that does not move would look for ever: the outcome stays unknown, the record kept.
      if (looks > MAX_LOOKUPS) throw new PfxkitError('GRAPH_UNAVAILABLE', `upload to ${target.label}: still not there after ${MAX_LOOKUPS} look-ups, and it may still land: not posted again`);
      const list = await target.list();
      if (present(list)) {
        await ctx.journal.clear(key);
        ctx.log(`${target.label}: the certificate is there: not uploading again`);
        return list;
      }
      const left = rec.landBy - ctx.now();
      if (left <= 0) {
        await ctx.journal.clear(key);
        return null;
      }
      await ctx.sleep(Math.min(wait, left));
    }
  };

  const prior = await ctx.journal.pending(key);
  if (prior) {
    ctx.log(
      `${target.label}: an upload of this certificate at ${isoMs(prior.startedAt)} (pid ${prior.pid} on ${prior.host}) has no known outcome: looking for it until ${isoMs(prior.landBy)} before posting`,
    );
    const list = await settle(prior);
    if (list) return list;
  }
  const rec: PendingUpload = { target: target.label, thumbprint, pid: process.pid, host: hostname(), startedAt: 0, landBy: 0 };
  /** Before each attempt (429s are retried inside the HTTP layer): this post may land until its timeout and the grace. */
  const sending = async (): Promise<void> => {
    rec.startedAt = ctx.now();
    rec.landBy = rec.startedAt + ctx.timeoutMs + ctx.graceMs;
    await ctx.journal.record(key, rec);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const list = await target.post(sending);
      await ctx.journal.clear(key);
      return list;
    } catch (err) {
      if (!(err instanceof TransportError)) {
        // A definite answer (4xx, or a retried-out 429) to the upload, or a failed read after a
        // 200: either way no upload is in flight.
        await ctx.journal.clear(key);
        throw err;
      }
      // Graph's 500 or 503 ends its work; no answer, or a gateway's 502/504, may still be followed
      // by the upload landing, for the grace from now.
      rec.landBy = err.status === 500 || err.status === 503 ? ctx.now() : Math.max(rec.landBy, ctx.now() + ctx.graceMs);
      await ctx.journal.record(key, rec);
      ctx.log(`${target.label}: upload outcome unknown (${err.message}); looking for the certificate before sending it again`);
      const list = await settle(rec);
      if (list) return list;
      if (attempt >= ctx.maxAttempts) {
        throw new PfxkitError('GRAPH_UNAVAILABLE', `upload to ${target.label}: no answer after ${attempt} attempts, and the certificate is not there`, { cause: err });
      }
    }
  }
}
