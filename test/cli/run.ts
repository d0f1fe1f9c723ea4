import { spawnSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { cli, root } from '../helpers.js';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams, a given environment, stdin and clock. */
export async function run(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string | Uint8Array; now?: Date } = {}): Promise<Result> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const io: Io = {
    stdout: out,
    stderr: err,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    env: { PFXKIT_STATE_DIR: process.env.PFXKIT_STATE_DIR, ...opts.env },
    cwd: root,
    now: () => opts.now ?? new Date('2027-01-01T00:00:00Z'),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Runs the built CLI (the installed bin, dist/bundle/cli.cjs) as a process, as a user would; `node` takes Node's own flags. */
export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; node?: string[] } = {}): Result {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), cli, ...args], {
    env: { PATH: process.env.PATH, PFXKIT_STATE_DIR: process.env.PFXKIT_STATE_DIR, ...opts.env },
    input: opts.stdin ?? '',
    encoding: 'utf8',
    cwd: root,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
