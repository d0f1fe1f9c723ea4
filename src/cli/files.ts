/** Reading input files for commands: a missing or unreadable path is a USAGE error with its reason. */
import { readFile, stat } from 'node:fs/promises';
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
