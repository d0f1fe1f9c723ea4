/**
 * File input and output for commands and reports: missing paths are USAGE errors; reads are
 * bounded (a FIFO, a device or an endless stream is never read past the limit); writes are
 * atomic and only ever replace a regular file.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PfxkitError } from '../errors.js';

/**
 * A stream's bytes, at most `max` of them: past that, `over()` is thrown and the rest is not read
 * (standard input may be endless).
 */
export async function readStreamBounded(stream: NodeJS.ReadableStream, max: number, over: () => Error): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    size += b.length;
    if (size > max) throw over();
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Refuse inputs far larger than any PKCS#12 bundle before reading them into memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** What a file system entry is, in words, for messages ("a FIFO", "a character device"). */
export function kindOf(s: Stats): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

const reasonOf = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error');
};

/**
 * Reads at most `limit` bytes of `path` (regular file, FIFO, device or stream alike): more is
 * refused with MALFORMED as soon as byte `limit + 1` arrives, so memory stays bounded.
 */
export async function readBounded(path: string, limit: number, what = path): Promise<Uint8Array> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    const s = await handle.stat();
    if (s.isDirectory()) throw new PfxkitError('USAGE', `${what} is a directory, not a file`);
    if (s.isFile() && s.size > limit) throw new PfxkitError('MALFORMED', `${what} is ${s.size} bytes: more than the ${limit} accepted`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(Math.min(64 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new PfxkitError('MALFORMED', `${what} holds more than the ${limit} bytes accepted (${kindOf(s)}): not read further`);
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } catch (err) {
    if (err instanceof PfxkitError) throw err;
    throw new PfxkitError('USAGE', `cannot read ${what}: ${reasonOf(err)}`, { cause: err });
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** A bundle's bytes from a file (or a FIFO, a device, /dev/stdin), at most MAX_INPUT_BYTES. */
export async function readInput(path: string): Promise<Uint8Array> {
  return readBounded(path, MAX_INPUT_BYTES);
}

/**
 * Refuses, before any work, an output path that is not a regular file or a new path (a
 * directory, a device, a FIFO, a socket, a symbolic link, even one to a regular file), and an
 * existing file unless `force`.
 */
export async function checkWritable(paths: (string | null)[], force: boolean): Promise<void> {
  for (const p of paths) {
    if (p === null) continue;
    const s = await lstat(p).catch(() => null);
    if (s === null) continue;
    if (!s.isFile()) throw new PfxkitError('USAGE', `${p} is ${kindOf(s)}: pfxkit writes only to a regular file or a new path`);
    if (!force) throw new PfxkitError('USAGE', `${p} exists: use --force to replace it`);
  }
}

/** Our temporary files: `.pfxkit-tmp-<pid>-<random>-<target name>`, beside the target. */
const TEMP = /^\.pfxkit-tmp-(\d+)-[0-9a-f]{12}-/;

/** Whether process `pid` runs on this machine (EPERM: it runs, as another user). */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes temporary files of ours in `dir` left by runs that died (their pid is gone), regular
 * files only. Returns the names removed. A pid reused since is taken as alive: its file stays.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = TEMP.exec(name);
    if (!m || Number(m[1]) === process.pid || isProcessAlive(Number(m[1]))) continue;
    const p = join(dir, name);
    const s = await lstat(p).catch(() => null);
    if (
      s?.isFile() &&
      (await unlink(p).then(
        () => true,
        () => false,
      ))
    )
      removed.push(name);
  }
  return removed;
}

/**
 * Writes `bytes` to `path` atomically: a temporary file beside it (mode 0600, since a bundle holds
 * a private key; named so that a later run removes it if this one dies), flushed, then renamed
 * over. Refuses an existing `path` unless `force`, and anything but a regular file or a new path.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string, options: { force?: boolean; mode?: number } = {}): Promise<void> {
  const dir = dirname(resolve(path));
  await checkWritable([path], options.force === true);
  await removeStaleTemps(dir);
  const tmp = join(dir, `.pfxkit-tmp-${process.pid}-${randomBytes(6).toString('hex')}-${basename(path)}`);
  let handle: FileHandle | null = null;
  try {
    handle = await open(tmp, 'wx', options.mode ?? 0o600);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = null;
    // Checked again just before the rename: the path may have changed while writing.
    await checkWritable([path], options.force === true);
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
