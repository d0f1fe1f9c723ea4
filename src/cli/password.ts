/**
 * Where a password comes from (SPEC.md): --password-env NAME | --password-file PATH |
 * --password-stdin; else PFXKIT_PASSWORD; else none (the reader then tries the absent and the
 * empty password). There is deliberately no flag that takes a password literally.
 */
import { readFile } from 'node:fs/promises';
import { PfxkitError } from '../errors.js';
import type { Parsed } from './args.js';

/** One trailing line break is what `echo` and editors add; it is not part of the password. */
const chomp = (s: string): string => s.replace(/\r?\n$/, '');

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
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
    if (value === undefined) throw new PfxkitError('USAGE', `--${prefix}password-env: the environment variable ${envName} is not set`);
    return value;
  }
  if (typeof file === 'string') {
    try {
      return chomp(await readFile(file, 'utf8'));
    } catch (err) {
      throw new PfxkitError('USAGE', `--${prefix}password-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
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
