/** File input and output for commands and reports: missing paths are USAGE errors; writes are atomic. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PfxkitError } from '../errors.js';

/** Refuse inputs far larger than any PKCS#12 bundle before reading them into memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new PfxkitError('USAGE', `${path} is a directory, not a file`);
    if (st.size > MAX_INPUT_BYTES) throw new PfxkitError('MALFORMED', `${path} is ${st.size} bytes: too large for a PKCS#12 bundle`);
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if (err instanceof PfxkitError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error');
    throw new PfxkitError('USAGE', `cannot read ${path}: ${reason}`, { cause: err });
  }
}

/** Refuses, before any work, to replace existing files unless `force`. */
export async function checkWritable(paths: (string | null)[], force: boolean): Promise<void> {
  for (const p of paths) {
    if (p === null) continue;
    const s = await stat(p).catch(() => null);
    if (s?.isDirectory()) throw new PfxkitError('USAGE', `${p} is a directory`);
    if (s && !force) throw new PfxkitError('USAGE', `${p} exists: use --force to replace it`);
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file beside it (mode 0600, since a bundle holds
 * a private key), flushed, then renamed over. Refuses an existing `path` unless `force`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string, options: { force?: boolean; mode?: number } = {}): Promise<void> {
  const dir = dirname(resolve(path));
  await checkWritable([path], options.force === true);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | null = null;
  try {
    handle = await open(tmp, 'wx', options.mode ?? 0o600);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (err instanceof PfxkitError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PfxkitError('USAGE', `cannot write ${path}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code}`, { cause: err });
  }
}

/** True when two paths name the same file (or would). */
export async function samePath(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return sa !== null && sb !== null && sa.ino === sb.ino && sa.dev === sb.dev;
}
