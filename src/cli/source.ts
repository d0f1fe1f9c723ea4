/** A command's bundle FILE: a path, or `-` for standard input (a pipe: `az ... -o tsv | pfxkit inspect -`). */
import { PfxkitError } from '../errors.js';
import { MAX_INPUT_BYTES, readInput } from '../lib/files.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    size += b.length;
    if (size > MAX_INPUT_BYTES) throw new PfxkitError('MALFORMED', `standard input is over ${MAX_INPUT_BYTES} bytes: too large for a PKCS#12 bundle`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The bytes of FILE, or of standard input for `-` (which then cannot also carry the password). */
export async function readBundleInput(file: string, io: Io, parsed: Parsed): Promise<Uint8Array> {
  if (file !== '-') return readInput(file);
  if (Object.entries(parsed.values).some(([flag, v]) => flag.endsWith('password-stdin') && v === true)) {
    throw new PfxkitError('USAGE', 'standard input cannot carry both the bundle (-) and the password (--password-stdin): use --password-env or --password-file');
  }
  return readStdin(io.stdin);
}
