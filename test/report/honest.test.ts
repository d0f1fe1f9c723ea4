/** Reports that watch what they say: every file once, nothing skipped silently, nothing read is UNKNOWN. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nagiosExitCode, reportFiles } from '../../src/report/build.js';
import { manifest } from '../helpers.js';
import { run } from '../cli/run.js';

const NOW = new Date('2027-03-01T00:00:00Z');
const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const fixture = (name: string): string => rows.get(name)!.file;
const fresh = (): string => mkdtempSync(join(tmpdir(), 'pfxkit-honest-'));

describe('report of folders: honest about what it read', () => {
  it('an empty folder is UNKNOWN (3): nothing is watched', async () => {
    const dir = fresh();
    const r = await run(['report', dir, '--json', '--now', NOW.toISOString()], { now: NOW });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: [], errors: [] });
  });

  it('a FIFO and a device are error rows, skipped without opening them (the report does not hang)', async () => {
    const dir = fresh();
    execFileSync('mkfifo', [join(dir, 'pipe.pfx')]);
    symlinkSync('/dev/zero', join(dir, 'zero.p12'));
    copyFileSync(fixture('openssl3-expired.p12'), join(dir, 'expired.p12'));
    const report = await reportFiles([dir, '/dev/null'], { now: NOW, password: rows.get('openssl3-expired.p12')!.password });
    expect(report.rows).toHaveLength(1);
    expect(report.errors.map((e) => [e.path, e.message.replace(/^.* is /, '')])).toEqual([
      [join(dir, 'pipe.pfx'), 'a FIFO, not a regular file: skipped without opening it'],
      [join(dir, 'zero.p12'), 'a character device, not a regular file: skipped without opening it'],
      ['/dev/null', 'a character device, not a regular file: skipped without opening it'],
    ]);
    expect(nagiosExitCode(report)).toBe(2);
  });

  it('symbolic links: each file once by its real path; a loop is an error row', async () => {
    const dir = fresh();
    copyFileSync(fixture('openssl3-expired.p12'), join(dir, 'a.p12'));
    symlinkSync('a.p12', join(dir, 'b.p12'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'up'));
    symlinkSync(dir, join(dir, 'sub', 'again'));
    symlinkSync('self.pfx', join(dir, 'self.pfx'));
    symlinkSync('/no/such/file', join(dir, 'gone.pfx'));
    const report = await reportFiles([dir, join(dir, 'a.p12')], { now: NOW, password: rows.get('openssl3-expired.p12')!.password });
    expect(report.rows.map((r) => r.path)).toEqual([join(dir, 'a.p12')]);
    const messages = report.errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/gone\.pfx: cannot read .*: no such file or folder$/),
      expect.stringMatching(/self\.pfx: cannot read .*: a symbolic link loop$/),
      expect.stringMatching(/sub\/again: .* is a symbolic link loop \(back to /),
      expect.stringMatching(/sub\/up: .* is a symbolic link loop \(back to /),
    ]);
  });

  it('a folder over the file cap: an error row names what was left out, so an expired bundle past the cut is not hidden', async () => {
    const dir = fresh();
    copyFileSync(fixture('openssl3-chain.p12'), join(dir, 'a.p12'));
    copyFileSync(fixture('openssl3-chain.p12'), join(dir, 'b.p12'));
    copyFileSync(fixture('openssl3-expired.p12'), join(dir, 'c.p12'));
    const report = await reportFiles([dir], { now: NOW, password: rows.get('openssl3-chain.p12')!.password, maxFiles: 2 });
    expect(new Set(report.rows.map((r) => r.path))).toEqual(new Set([join(dir, 'a.p12'), join(dir, 'b.p12')]));
    expect(report.errors).toEqual([{ path: join(dir, 'c.p12'), code: 'USAGE', message: `more than 2 files: ${join(dir, 'c.p12')} and the rest were not read` }]);
  });

  it('a path that cannot be read is an error row; nothing read is UNKNOWN', async () => {
    const dir = fresh();
    const report = await reportFiles([join(dir, 'missing', 'x.pfx')], { now: NOW });
    expect(report.errors).toEqual([expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/no such file or folder/) })]);
    expect(nagiosExitCode(report)).toBe(3);
  });
});
