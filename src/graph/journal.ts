/**
 * The machine-local state that keeps one upload per certificate per target whatever runs at once:
 * an advisory lock per target (a second run waits for the first, or stops with a clear message),
 * and a record of each upload whose outcome is not known yet, written before the post and removed
 * once Graph's answer is known. A run killed mid-upload, or one whose upload timed out, leaves the
 * record, so the next run looks for the certificate before it posts again.
 *
 * Files, all mode 0600 under a 0700 folder: `locks/<key>.lock` holding `{pid, host, since}`, and
 * `pending/<key>.json` holding a PendingUpload. A lock whose holder is a dead process on this host
 * is taken over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { PfxkitError } from '../errors.js';
import { isProcessAlive } from '../io/files.js';
import { isoMs } from '../lib/text.js';

/** An upload sent (or about to be) whose outcome is not known. */
export interface PendingUpload {
  /** What the upload went to, for messages: `connector ID`. */
  target: string;
  thumbprint: string;
  pid: number;
  host: string;
  /** Epoch ms: when the post began. */
  startedAt: number;
  /** Epoch ms after which the post can no longer land (Graph answered, or the grace passed). */
  landBy: number;
}

export interface LockOptions {
  /** How long to wait for another run's lock (ms). */
  waitMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Called once when the lock is held by another run and this one starts waiting. */
  onWait?: (holder: string) => void;
}

/** Where locks and pending records live; tests and other tools may bring their own. */
export interface Journal {
  /** Takes the lock of `key` for `what` (for messages); resolves with its release. */
  lock(key: string, what: string, options: LockOptions): Promise<() => Promise<void>>;
  pending(key: string): Promise<PendingUpload | null>;
  record(key: string, upload: PendingUpload): Promise<void>;
  clear(key: string): Promise<void>;
}

/** A stable file-name key for a target (and, for pending uploads, a thumbprint). */
export const journalKey = (...parts: string[]): string => createHash('sha256').update(parts.join('\n').toLowerCase()).digest('hex').slice(0, 32);

/** `PFXKIT_STATE_DIR`, else `$XDG_STATE_HOME/pfxkit`, else `~/.local/state/pfxkit`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PFXKIT_STATE_DIR) return env.PFXKIT_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'pfxkit');
}

interface Holder {
  pid: number;
  host: string;
  since: number;
  /** Tells two holders of one process apart. */
  nonce: string;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * The journal in a folder of this machine.
 *
 * @example
 * ```ts
 * const report = await rotate({ ...options, journal: fileJournal(defaultStateDir()) });
 * ```
 */
export function fileJournal(dir: string): Journal {
  const folder = async (name: string): Promise<string> => {
    const path = join(dir, name);
    await mkdir(path, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw stateError(dir, err);
    });
    return path;
  };
  const pendingPath = async (key: string): Promise<string> => join(await folder('pending'), `${key}.json`);

  return {
    async lock(key, what, o) {
      const path = join(await folder('locks'), `${key}.lock`);
      const mine: Holder = { pid: process.pid, host: hostname(), since: o.now(), nonce: randomBytes(8).toString('hex') };
      const deadline = o.now() + o.waitMs;
      let waited = false;
      for (let round = 0; ; round++) {
        if (await create(path, JSON.stringify(mine), dir)) break;
        const holder = await readJson<Holder>(path);
        if (await takeStale(path, holder)) continue;
        const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${isoMs(holder.since)}` : 'a run starting now';
        // The round cap ends the wait even under a clock that does not move.
        if (o.now() >= deadline || round >= MAX_LOCK_ROUNDS) {
          throw new PfxkitError(
            'GRAPH_UNAVAILABLE',
            `another pfxkit run (${who}) is rotating ${what}; waited ${Math.round(o.waitMs / 1000)} s for it (--lock-wait), nothing was written (lock file ${path})`,
          );
        }
        if (!waited) o.onWait?.(`another pfxkit run (${who}) is rotating ${what}: waiting for it (at most ${Math.round(o.waitMs / 1000)} s)`);
        waited = true;
        await o.sleep(Math.max(1, Math.min(1000, deadline - o.now())));
      }
      return async () => {
        if (sameHolder(await readJson<Holder>(path), mine)) await rm(path, { force: true });
      };
    },
    async pending(key) {
      return readJson<PendingUpload>(await pendingPath(key));
    },
    async record(key, upload) {
      const path = await pendingPath(key);
      const tmp = `${path}.${process.pid}.tmp`;
      const fh = await open(tmp, 'w', 0o600).catch((err: unknown) => {
        throw stateError(dir, err);
      });
      try {
        await fh.writeFile(JSON.stringify(upload));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    },
    async clear(key) {
      await rm(await pendingPath(key), { force: true });
    },
  };
}

/** Lock rounds at most (about one a second while waiting). */
const MAX_LOCK_ROUNDS = 100_000;
/** A lock held by another host (a container since replaced, say) is taken over after an hour. */
const FOREIGN_LEASE_MS = 60 * 60_000;

const stateError = (dir: string, err: unknown): PfxkitError =>
  new PfxkitError('USAGE', `the state folder ${dir} (PFXKIT_STATE_DIR) cannot be used: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });

const sameHolder = (a: Holder | null, b: Holder | null): boolean => a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.since === b.since && a.nonce === b.nonce;

/** Creates `path` with `text` unless it exists (then false). */
async function create(path: string, text: string, dir: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw stateError(dir, err);
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  return true;
}

/** Whether the lock's holder is gone: a dead process on this host, another host's lock past its lease, or a file left half-written. */
async function isStale(path: string, holder: Holder | null): Promise<boolean> {
  const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now());
  if (!holder) return age > 10_000;
  return holder.host === hostname() ? !isProcessAlive(holder.pid) : age > FOREIGN_LEASE_MS;
}

/**
 * Removes a stale lock. One run at a time does it (whoever creates the takeover marker), and only
 * when the lock still names the holder found stale, so that two runs never both take it over.
 */
async function takeStale(path: string, holder: Holder | null): Promise<boolean> {
  if (!(await isStale(path, holder))) return false;
  const marker = `${path}.takeover`;
  if (!(await create(marker, String(process.pid), path))) {
    const s = await stat(marker).catch(() => null);
    if (s && Date.now() - s.mtimeMs > 10_000) await rm(marker, { force: true });
    return false;
  }
  try {
    const again = await readJson<Holder>(path);
    if (again === null ? holder === null : sameHolder(again, holder)) await rm(path, { force: true });
  } finally {
    await rm(marker, { force: true });
  }
  return true;
}
