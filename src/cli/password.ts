/**
 * Where a password comes from (SPEC.md): --password-env NAME | --password-file PATH |
 * --password-stdin; else PFXKIT_PASSWORD; else none (the reader then tries the absent and the
 * empty password). There is deliberately no flag that takes a password literally.
 */
import { PfxkitError } from '../errors.js';
import type { Parsed } from './args.js';
import type { Out } from './io.js';
import { readBounded, readStreamBounded } from '../io/files.js';

/** One trailing line break is what `echo` and editors add (CRLF on Windows); it is not part of the password. */
const chomp = (s: string): string => s.replace(/\r?\n$/, '');

/**
 * A password file's or pipe's text as Windows writes it too: UTF-16LE/BE after their byte-order
 * mark (Notepad's "Unicode", PowerShell 5's `Out-File`), UTF-8 with or without one; then one line
 * break dropped.
 */
export function passwordText(bytes: Uint8Array): string {
  const [a, b, c] = bytes;
  if (a === 0xff && b === 0xfe) return chomp(new TextDecoder('utf-16le').decode(bytes.subarray(2)));
  if (a === 0xfe && b === 0xff) return chomp(new TextDecoder('utf-16be').decode(bytes.subarray(2)));
  return chomp(new TextDecoder('utf-8').decode(a === 0xef && b === 0xbb && c === 0xbf ? bytes.subarray(3) : bytes));
}

/** Longest password source read (a file or standard input): more is refused, not read on. */
const MAX_PASSWORD_BYTES = 64 * 1024;

const readAll = (stdin: NodeJS.ReadableStream): Promise<Uint8Array> =>
  readStreamBounded(stdin, MAX_PASSWORD_BYTES, () => new PfxkitError('USAGE', `--password-stdin: more than ${MAX_PASSWORD_BYTES} bytes on standard input, not a password`));

/** The line being typed at a prompt, and whether it is finished. */
export interface LineState {
  readonly text: string;
  readonly done: boolean;
}

/**
 * Applies typed characters to a hidden line, as a terminal's canonical mode would: Enter ends it,
 * Backspace/Delete removes the last character, Ctrl-U the whole line, Ctrl-D on an empty line
 * ends it; Ctrl-C is refused (USAGE, "interrupted"). Other control characters are ignored.
 */
export function editLine(state: LineState, typed: string): LineState {
  let text = state.text;
  for (const ch of typed) {
    if (ch === '\r' || ch === '\n' || (ch === '\u0004' && text === '')) return { text, done: true };
    if (ch === '\u0003') throw new PfxkitError('USAGE', 'interrupted at the password prompt');
    if (ch === '\u007f' || ch === '\b') text = Array.from(text).slice(0, -1).join('');
    else if (ch === '\u0015') text = '';
    else if (ch >= ' ') text += ch;
  }
  return { text, done: false };
}

type Tty = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

/** Prompts on `stderr` and reads a line from the terminal `stdin` without echo (raw mode), as openssl does. */
async function promptHidden(stdin: Tty, stderr: Out, prompt: string): Promise<string> {
  // Echo goes off before the prompt shows, so nothing typed after it is echoed.
  stdin.setRawMode!(true);
  stderr.write(prompt);
  let state: LineState = { text: '', done: false };
  try {
    for await (const chunk of stdin) {
      state = editLine(state, Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      if (state.done) break;
    }
  } finally {
    stdin.setRawMode!(false);
    stderr.write('\n');
  }
  return state.text;
}

export interface PasswordSources {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  /** Where a terminal prompt goes (standard error). */
  stderr?: Out;
}

async function readPasswordStdin(sources: PasswordSources, prefix: string): Promise<string> {
  const stdin = sources.stdin as Tty;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function' && sources.stderr) {
    return promptHidden(stdin, sources.stderr, prefix === 'new-' ? 'Enter Export Password:' : 'Enter Import Password:');
  }
  return passwordText(await readAll(stdin));
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
    return passwordText(bytes);
  }
  if (stdin === true) return readPasswordStdin(sources, prefix);
  if (fallbackEnv !== null && sources.env[fallbackEnv] !== undefined) return sources.env[fallbackEnv];
  return undefined;
}

export const PASSWORD_HELP = `Password of the bundle (there is no flag that takes it literally):
  --password-env NAME    read it from the environment variable NAME
  --password-file PATH   read it from a file (one trailing newline is dropped; UTF-8 with or
                         without a BOM, or UTF-16 with a BOM, as Windows tools write)
  --password-stdin       read it from standard input: a pipe as a file, a terminal at a prompt
                         without echo
  otherwise PFXKIT_PASSWORD if set, otherwise the bundle is opened without a password
  (both the absent and the empty password are tried).`;
