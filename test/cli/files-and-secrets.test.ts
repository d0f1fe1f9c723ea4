/**
 * Outputs only ever replace a regular file; our temp files do not outlive a dead run; inputs are
 * read within the size limit whatever they are; a password given as a variable name is not printed.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, readBounded, readInput, removeStaleTemps, writeFileAtomic } from '../../src/io/files.js';
import { cli, manifest } from '../helpers.js';
import { run } from './run.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'pfxkit-files-'));
const NOW = new Date('2027-03-01T00:00:00Z');
const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );

/** The pid of a process that has exited (so no process has it, short of reuse). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('--out: a regular file or a new path, nothing else', () => {
  it('refuses a FIFO, a symbolic link (to a device or a file) and a directory, and leaves them as they were', async () => {
    const d = tmp();
    execFileSync('mkfifo', [join(d, 'fifo')]);
    symlinkSync('/dev/null', join(d, 'null-link'));
    writeFileSync(join(d, 'real.prom'), 'old');
    symlinkSync(join(d, 'real.prom'), join(d, 'file-link'));
    for (const [target, kind] of [
      ['fifo', 'a FIFO'],
      ['null-link', 'a symbolic link'],
      ['file-link', 'a symbolic link'],
      ['.', 'a directory'],
    ] as const) {
      const err = await writeFileAtomic(join(d, target), 'x', { force: true }).catch((e: Error & { code: string }) => e);
      expect(err).toMatchObject({ code: 'USAGE', message: `${join(d, target)} is ${kind}: pfxkit writes only to a regular file or a new path` });
    }
    expect(lstatSync(join(d, 'fifo')).isFIFO()).toBe(true);
    expect(lstatSync(join(d, 'null-link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'real.prom'), 'utf8')).toBe('old');
    expect(readdirSync(d).filter((n) => n.startsWith('.pfxkit-tmp-'))).toEqual([]);
  });

  it('report --out to a device or a FIFO is UNKNOWN (3); convert and new refuse before any work', async () => {
    const d = tmp();
    execFileSync('mkfifo', [join(d, 'fifo')]);
    symlinkSync('/dev/null', join(d, 'null-link'));
    const expired = rows.get('openssl3-expired.p12')!;
    const env = { PFXKIT_PASSWORD: expired.password! };
    const report = await run(['report', expired.file, '--out', join(d, 'fifo'), '--now', NOW.toISOString()], { env, now: NOW });
    expect(report.code).toBe(3);
    expect(report.stderr).toMatch(/is a FIFO: pfxkit writes only to a regular file or a new path/);
    const convert = await run(['convert', expired.file, '--out', join(d, 'null-link'), '--force'], { env });
    expect(convert.code).toBe(2);
    expect(convert.stderr).toMatch(/null-link is a symbolic link/);
    const minted = await run(['new', '--subject', 'CN=x', '--out', join(d, 'fifo'), '--force'], { env: { PFXKIT_PASSWORD: 'p' } });
    expect(minted.code).toBe(2);
    expect(lstatSync(join(d, 'fifo')).isFIFO()).toBe(true);
  });

  it('replaces a regular file (with --force) and writes a new path', async () => {
    const d = tmp();
    writeFileSync(join(d, 'old'), 'old');
    await writeFileAtomic(join(d, 'old'), 'new', { force: true });
    await writeFileAtomic(join(d, 'fresh'), 'fresh');
    expect(readFileSync(join(d, 'old'), 'utf8')).toBe('new');
    expect(readFileSync(join(d, 'fresh'), 'utf8')).toBe('fresh');
  });
});

describe('temporary files of ours', () => {
  it('are named .pfxkit-tmp-<pid>-…; those of dead runs are removed by the next write, live ones kept', async () => {
    const d = tmp();
    const dead = `.pfxkit-tmp-${deadPid()}-0123456789ab-metrics.prom`;
    const live = `.pfxkit-tmp-${process.ppid}-0123456789ab-metrics.prom`;
    const mine = `.pfxkit-tmp-${process.pid}-0123456789ab-metrics.prom`;
    const other = '.metrics.prom.123.tmp';
    for (const n of [dead, live, mine, other]) writeFileSync(join(d, n), 'partial');
    await writeFileAtomic(join(d, 'metrics.prom'), 'x 1\n', { force: true });
    expect(readdirSync(d).sort()).toEqual([live, mine, other, 'metrics.prom'].sort());
    expect(await removeStaleTemps(d)).toEqual([]);
  });

  it('a run killed while writing leaves a temp file the next run removes', async () => {
    const d = tmp();
    // A child that creates its temp file the way writeFileAtomic names it, then is killed.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').writeFileSync(require('path').join(${JSON.stringify(d)}, '.pfxkit-tmp-' + process.pid + '-aaaaaaaaaaaa-out.prom'), 'half'); process.stdout.write('ready'); setInterval(() => {}, 1000)`,
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    expect(readdirSync(d)).toHaveLength(1);
    await writeFileAtomic(join(d, 'out.prom'), 'ok');
    expect(readdirSync(d)).toEqual(['out.prom']);
  });
});

describe('inputs: bounded whatever they are', () => {
  it('/dev/zero (endless) is refused once past the limit, without reading on', async () => {
    const err = await readBounded('/dev/zero', 1024).catch((e: Error & { code: string }) => e);
    expect(err).toMatchObject({ code: 'MALFORMED', message: '/dev/zero holds more than the 1024 bytes accepted (a character device): not read further' });
    expect(await codeOf(readInput('/dev/zero'))).toBe('MALFORMED');
    expect(MAX_INPUT_BYTES).toBe(16 * 1024 * 1024);
  });

  it('a FIFO fed a bundle reads like the file; inspect /dev/zero fails with MALFORMED', async () => {
    const d = tmp();
    const fifo = join(d, 'in.pfx');
    execFileSync('mkfifo', [fifo]);
    const src = rows.get('openssl3-default.p12')!;
    const writer = spawn('sh', ['-c', `cat "${src.file}" > "${fifo}"`]);
    const exited = new Promise((r) => writer.once('exit', r));
    const bytes = await readInput(fifo);
    await exited;
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(src.file))).toBe(0);
    const r = await run(['inspect', '/dev/zero', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('MALFORMED');
  });

  it('--password-file /dev/zero is refused, not read to the end', async () => {
    const src = rows.get('openssl3-default.p12')!;
    const r = await run(['inspect', src.file, '--password-file', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--password-file \/dev\/zero holds more than the 65536 bytes accepted/);
  });
});

describe('a password given where a variable name belongs is never printed', () => {
  it('--password-env and --auth-password-env name the flag, not the value', async () => {
    const canary = 'Canary-Pa55word-4e1b';
    const src = rows.get('openssl3-default.p12')!;
    for (const args of [
      ['inspect', src.file, '--password-env', canary],
      ['inspect', src.file, '--password-env', canary, '--json'],
      ['report', '--auth-pfx', src.file, '--auth-password-env', canary, '--json'],
    ]) {
      const r = await run(args, { env: { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' } });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).not.toContain(canary);
      expect(r.stdout + r.stderr).toMatch(/the environment variable named by --(auth-)?password-env is not set/);
    }
  });
});

describe('pfxkit emulator', () => {
  it('takes its token from PFXKIT_EMULATOR_TOKEN, so it is not on the command line', async () => {
    const child = spawn(process.execPath, [cli, 'emulator', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, PFXKIT_EMULATOR_TOKEN: 'emu-env-token' },
    });
    const first = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('}')) resolve(buf);
      });
    });
    const { url, token } = JSON.parse(first) as { url: string; token: string };
    expect(token).toBe('emu-env-token');
    expect((await fetch(`${url}/identity/apiConnectors`, { headers: { authorization: 'Bearer emu-env-token' } })).status).toBe(200);
    await new Promise((resolve) => {
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
  });
});
