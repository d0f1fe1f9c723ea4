import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editLine, passwordText, type LineState } from '../../src/cli/password.js';
import { cli, manifest, root } from '../helpers.js';
import { run } from './run.js';

const rows = new Map(manifest().map((r) => [r.name, r]));
const row = rows.get('openssl3-default')!;
const PW = row.password!;
const der = readFileSync(row.file);
const dir = mkdtempSync(join(tmpdir(), 'pfxkit-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const leafOf = (stdout: string): string => JSON.parse(stdout).leaf;

describe('password files as Windows writes them', () => {
  const utf16le = (s: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
  it.each([
    ['UTF-8 with a BOM and CRLF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${PW}\r\n`)])],
    ['UTF-16LE with a BOM and CRLF (Notepad "Unicode", PowerShell 5 Out-File)', utf16le(`${PW}\r\n`)],
    ['UTF-16LE with a BOM, no line break', utf16le(PW)],
    ['UTF-16BE with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(PW, 'utf16le').swap16()])],
    ['CRLF only', Buffer.from(`${PW}\r\n`)],
  ])('%s', async (_n, bytes) => {
    const r = await run(['inspect', row.file, '--json', '--password-file', write('pw.txt', bytes)]);
    expect(r.code, r.stderr).toBe(0);
    expect(leafOf(r.stdout)).toBe(row.leaf!.thumbprint);
  });

  it('a piped --password-stdin is read the same way', async () => {
    const r = await run(['inspect', row.file, '--json', '--password-stdin'], { stdin: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${PW}\r\n`)]) });
    expect(r.code, r.stderr).toBe(0);
  });

  it('passwordText drops only one line break and keeps inner spaces', () => {
    expect(passwordText(Buffer.from(' a b \r\n\r\n'))).toBe(' a b \r\n');
    expect(passwordText(new Uint8Array(0))).toBe('');
  });
});

describe('bundles handed over as users have them', () => {
  const b64 = der.toString('base64');
  it.each([
    ['JSON-quoted base64 (az keyvault secret show --query value -o json)', `"${b64}"\n`],
    ['JSON-quoted base64 with CRLF', `"${b64}"\r\n`],
  ])('%s, as a file and on standard input (-)', async (_n, text) => {
    const f = await run(['inspect', write('secret.json', text), '--json', '--password-env', 'P'], { env: { P: PW } });
    expect(f.code, f.stderr).toBe(0);
    expect(leafOf(f.stdout)).toBe(row.leaf!.thumbprint);
    const s = await run(['inspect', '-', '--json', '--password-env', 'P'], { env: { P: PW }, stdin: text });
    expect(s.code, s.stderr).toBe(0);
    expect(leafOf(s.stdout)).toBe(row.leaf!.thumbprint);
  });

  it('DER on standard input: inspect -, validate -, convert -', async () => {
    const env = { P: PW };
    const i = await run(['inspect', '-', '--json', '--password-env', 'P'], { env, stdin: der });
    expect(leafOf(i.stdout)).toBe(row.leaf!.thumbprint);
    const v = await run(['validate', '-', '--json', '--password-env', 'P'], { env, stdin: der, now: new Date(row.leaf!.notBefore * 1000 + 86_400_000) });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).leaf.thumbprint).toBe(row.leaf!.thumbprint);
    const out = join(dir, 'converted.pfx');
    const c = await run(['convert', '-', '--out', out, '--password-env', 'P', '--json'], { env, stdin: der });
    expect(c.code, c.stderr).toBe(0);
    const back = await run(['inspect', out, '--json', '--password-env', 'P'], { env });
    expect(leafOf(back.stdout)).toBe(row.leaf!.thumbprint);
  });

  it('- with --password-stdin is refused (USAGE): one standard input', async () => {
    const r = await run(['inspect', '-', '--password-stdin'], { stdin: der });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE: standard input cannot carry both');
  });

  it('an empty standard input is MALFORMED', async () => {
    const r = await run(['inspect', '-'], { stdin: '' });
    expect(r.stderr).toContain('MALFORMED: empty input');
  });
});

describe('--auth-pfx password errors', () => {
  it('name the sign-in bundle, not the one being rotated', async () => {
    const r = await run(['plan', row.file, '--connector', 'c1', '--password-env', 'P', '--auth-pfx', row.file, '--auth-password-env', 'W', '--graph-url', 'http://127.0.0.1:9/v1.0'], {
      env: { P: PW, W: 'not-the-password', AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`BAD_PASSWORD: --auth-pfx ${row.file}: integrity check failed`);
    expect(r.stderr).toContain('--auth-password-env or --auth-password-file');
  });
});

describe('the hidden password prompt', () => {
  const type = (...chunks: string[]): LineState => chunks.reduce((s, c) => editLine(s, c), { text: '', done: false } as LineState);
  it.each([
    ['Enter ends the line', ['abc\r'], 'abc'],
    ['a newline ends it too', ['ab', 'c\n'], 'abc'],
    ['Backspace (DEL) and Ctrl-H remove the last character', ['abx\u007fcy\b\r'], 'abc'],
    ['Backspace removes a whole non-BMP character', ['a𝄞\u007f\r'], 'a'],
    ['Ctrl-U clears the line', ['wrong\u0015right\r'], 'right'],
    ['Ctrl-D on an empty line ends it', ['\u0004'], ''],
    ['other control characters are ignored', ['a\u001bb\tc\r'], 'abc'],
  ])('%s', (_n, chunks, text) => {
    expect(type(...chunks)).toEqual({ text, done: true });
  });

  it('Ctrl-C is refused', () => {
    expect(() => type('pass\u0003')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('interrupted') }));
  });
});

/** Runs the built CLI on a pseudo-terminal (util-linux script), typing `keys` once the prompt shows. */
function onTerminal(args: string[], keys: string): Promise<{ code: number | null; out: string }> {
  const cmd = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { PATH: process.env.PATH, TERM: 'dumb' } });
  let out = '';
  let typed = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!typed && out.includes('Enter Import Password:')) {
      typed = true;
      child.stdin.write(keys);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

const hasScript = (() => {
  try {
    return readFileSync('/usr/bin/script').length > 0;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasScript)('--password-stdin on a terminal (a real pty)', () => {
  it('prompts on the terminal, reads without echo, and honours Backspace', async () => {
    const r = await onTerminal(['inspect', row.file, '--password-stdin', '--json'], `${PW.slice(0, -1)}x\u007f${PW.slice(-1)}\r`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Enter Import Password:');
    expect(r.out).not.toContain(PW.slice(0, 6));
    expect(r.out).toContain(row.leaf!.thumbprint);
  });

  it('Ctrl-C at the prompt ends with exit code 2', async () => {
    const r = await onTerminal(['inspect', row.file, '--password-stdin'], 'abc\u0003');
    expect(r.code).toBe(2);
    expect(r.out).toContain('interrupted');
  });
});
