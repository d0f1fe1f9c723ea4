/** What a command may touch: output, input, environment, clock. Injected so tests run commands in-process. */
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { PfxkitError, type Problem } from '../errors.js';

/** Where a command writes: text or bytes, in order. */
export interface Out {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Out;
  stderr: Out;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
}

/**
 * File descriptor 1 or 2, written synchronously. Creating process.stdout (or stderr) for a pipe
 * loads node:net and makes a socket: 3-8 ms of a run whose own start is 50-80 ms. A write
 * here also leaves nothing in a buffer at exit. Should the descriptor refuse to block (EAGAIN: a
 * non-blocking pipe inherited from the parent), this and every later write go to the stream.
 * When the reader has gone (EPIPE: `pfxkit report | head -1`), the rest is dropped.
 */
export function fdOut(fd: number, stream: () => NodeJS.WriteStream): Out {
  let fallback: NodeJS.WriteStream | null = null;
  let gone = false;
  return {
    isTTY: isatty(fd),
    write(chunk) {
      if (gone) return false;
      if (fallback) return fallback.write(chunk);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          gone = true;
          return false;
        }
        if (code !== 'EAGAIN') throw err;
        fallback = stream();
        return fallback.write(bytes.subarray(done));
      }
      return true;
    },
  };
}

export function processIo(): Io {
  return {
    stdout: fdOut(1, () => process.stdout),
    stderr: fdOut(2, () => process.stderr),
    // Touching process.stdin creates its stream (for a pipe, node:net): only when a command reads it.
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
