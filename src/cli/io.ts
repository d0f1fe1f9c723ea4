/** What a command may touch: streams, environment, clock. Injected so tests run commands in-process. */
import { PfxkitError, type Problem } from '../errors.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
}

export function processIo(): Io {
  return {
    // Touching process.stdin (or stdout, stderr) creates its stream, and for a pipe loads node:net:
    // each is made when a command first uses it.
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

export const print = (io: Io, text: string): void => {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

export const printJson = (io: Io, value: unknown): void => {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/**
 * One line on stderr, or the JSON error document on stdout with --json. Never a stack trace
 * (PFXKIT_DEBUG=1 adds one on stderr). A failure that is not a PfxkitError is a bug of ours and
 * says so, with the code INTERNAL.
 */
export function printError(io: Io, err: unknown, json: boolean): void {
  const { code, message }: Problem = err instanceof PfxkitError ? err : { code: 'INTERNAL', message: `internal error (please report): ${err instanceof Error ? err.message : String(err)}` };
  if (json) printJson(io, { error: { code, message } });
  else io.stderr.write(`pfxkit: ${code}: ${message}\n`);
  if (io.env.PFXKIT_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
}

/** ISO 8601 in UTC without milliseconds. */
