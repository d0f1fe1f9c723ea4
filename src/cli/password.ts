/**
 * Where a password comes from (SPEC.md): --password-env NAME | --password-file PATH |
 * --password-stdin; else PFXKIT_PASSWORD; else none (the reader then tries the absent and the
 * empty password). There is deliberately no flag that takes a password literally.
 */
import { PfxkitError } from '../errors.js';
import type { Parsed } from './args.js';
import { readBounded } from '../lib/files.js';

/** One trailing line break is what `echo` and editors add; it is not part of the password. */
const chomp = (s: string): string => s.replace(/\r?\n$/, '');

/** Longest password source read (a file or standard input): more is refused, not read on. */
const MAX_PASSWORD_BYTES = 64 * 1024;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stdin) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    total += b.length;
    if (total > MAX_PASSWORD_BYTES) throw new PfxkitError('USAGE', `--password-stdin: more than ${MAX_PASSWORD_BYTES} bytes on standard input, not a password`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface PasswordSources {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
}

export async function resolvePassword(parsed: Parsed, sources: PasswordSources, prefix = '', fallbackEnv: string | null = 'PFXKIT_PASSWORD'): Promise<string | undefined> {
  const v = parsed.values;
  const envName = v[`${prefix}password-env`];
  const file = v[`${prefix}password-file`];
  const stdin = v[`${prefix}password-stdin`];
  const given = [envName, file, stdin].filter((x) => x !== undefined && x !== false).length;
  if (given > 1) {
    throw new PfxkitError('USAGE', `give one of --${prefix}password-env, --${prefix}password-file and --${prefix}password-stdin`);
  }
  if (typeof envName === 'string') {
    const value = sources.env[envName];
    // The name is not repeated: someone may have given the password itself as the name.
    if (value === undefined) throw new PfxkitError('USAGE', `the environment variable named by --${prefix}password-env is not set`);
    return value;
  }
  if (typeof file === 'string') {
    const bytes = await readBounded(file, MAX_PASSWORD_BYTES, `--${prefix}password-file ${file}`).catch((err: unknown) => {
      throw new PfxkitError('USAGE', (err as Error).message, { cause: err });
    });
    return chomp(Buffer.from(bytes).toString('utf8'));
  }
  if (stdin === true) return chomp(await readStdin(sources.stdin));
  if (fallbackEnv !== null && sources.env[fallbackEnv] !== undefined) return sources.env[fallbackEnv];
  return undefined;
}

export const PASSWORD_HELP = `Password of the bundle (there is no flag that takes it literally):
  --password-env NAME    read it from the environment variable NAME
  --password-file PATH   read it from a file (one trailing newline is dropped)
  --password-stdin       read it from standard input
  otherwise PFXKIT_PASSWORD if set, otherwise the bundle is opened without a password
  (both the absent and the empty password are tried).`;
