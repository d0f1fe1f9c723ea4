/**
 * The CLI's output: written straight to file descriptors 1 and 2 (no stream is created), with a
 * fallback to the stream when the descriptor will not block, and silence once the reader is gone.
 * A FIFO gives the tests a real pipe whose ends they control.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fdOut } from '../../src/cli/io.js';
import { cli, root } from '../helpers.js';
import { run, spawnCli } from './run.js';

const opened: number[] = [];
let dir = '';

/** A FIFO opened at both ends without blocking: [reader, writer]. */
function pipe(): [number, number] {
  dir = mkdtempSync(join(tmpdir(), 'pfxkit-fifo-'));
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const r = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  opened.push(r, w);
  return [r, w];
}

/** Closes one end now (and not again after the test, when its number may belong to another file). */
function close(fd: number): void {
  opened.splice(opened.indexOf(fd), 1);
  closeSync(fd);
}

function drain(fd: number): Buffer {
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n = 0;
    try {
      n = readSync(fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw err;
    }
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(parts);
}

afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fdOut', () => {
  it('writes text and bytes in order, synchronously', () => {
    const [r, w] = pipe();
    const out = fdOut(w, () => {
      throw new Error('no stream is needed');
    });
    out.write('héllo ');
    out.write(new Uint8Array([0x77, 0x6f, 0x72, 0x6c, 0x64]));
    expect(drain(r).toString('utf8')).toBe('héllo world');
  });

  it('a descriptor that will not block (a full non-blocking pipe): the rest, and every later write, go to the stream', () => {
    const [r, w] = pipe();
    const streamed: Buffer[] = [];
    const stream = { write: (chunk: Uint8Array | string) => streamed.push(Buffer.from(chunk)) } as unknown as NodeJS.WriteStream;
    const out = fdOut(w, () => stream);
    const big = Buffer.alloc(1 << 20, 'a'); // more than any pipe holds
    out.write(big);
    out.write('then this');
    const direct = drain(r);
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.length).toBeLessThan(big.length);
    expect(Buffer.concat([direct, ...streamed]).toString()).toBe(`${big.toString()}then this`);
    expect(streamed.at(-1)?.toString()).toBe('then this');
  });

  it('any other failure (a closed descriptor: EBADF) is thrown, not hidden', () => {
    const [, w] = pipe();
    close(w);
    const out = fdOut(w, () => {
      throw new Error('no stream is needed');
    });
    expect(() => out.write('x')).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a reader that has gone (EPIPE): writes are dropped, nothing is thrown', () => {
    const [r, w] = pipe();
    close(r);
    const out = fdOut(w, () => {
      throw new Error('no stream is needed');
    });
    expect(out.write('lost')).toBe(false);
    expect(out.write('lost too')).toBe(false);
  });
});

describe('pfxkit --version', () => {
  it("prints package.json's version, found from the running file: the source in-process, the bundle as a process", async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(spawnCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('the CLI on a closed pipe', () => {
  it('pfxkit --help whose reader went away exits 0 and says nothing on stderr', async () => {
    const child = spawn(process.execPath, [cli, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // before the CLI has written a byte
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
