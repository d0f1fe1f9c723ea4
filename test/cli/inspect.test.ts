import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifest } from '../helpers.js';
import { run, spawnCli } from './run.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const file = (name: string): string => rows.get(name)!.file;
const PW = rows.get('openssl3-default.p12')!.password!;

describe('pfxkit inspect', () => {
  it('--json matches the contract and the manifest, from every password source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxkit-'));
    writeFileSync(join(dir, 'pw'), `${PW}\n`);
    const row = rows.get('openssl3-chain.p12')!;
    const ways = [
      { args: ['--password-env', 'MY_PW'], env: { MY_PW: PW } },
      { args: ['--password-file', join(dir, 'pw')] },
      { args: ['--password-stdin'], stdin: `${PW}\n` },
      { args: [], env: { PFXKIT_PASSWORD: PW } },
    ];
    for (const w of ways) {
      const r = await run(['inspect', row.file, '--json', ...w.args], { env: w.env, stdin: w.stdin });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(Object.keys(j).sort()).toEqual(['certificates', 'encryption', 'integrity', 'leaf', 'privateKeys']);
      expect(j.leaf).toBe(row.leaf!.thumbprint);
      expect(j.certificates[0]).toMatchObject({ thumbprint: row.leaf!.thumbprint, notBefore: row.leaf!.notBefore, notAfter: row.leaf!.notAfter, hasPrivateKey: true });
      expect(j.certificates).toHaveLength(3);
    }
  });

  it('reads the same without WebAssembly (node --jitless) or without Wasm memory (--wasm-max-mem-pages=0): the compact JavaScript loops', () => {
    for (const name of ['openssl3-legacy.p12', 'openssl3-default.p12']) {
      const row = rows.get(name)!;
      const plain = spawnCli(['inspect', row.file, '--json'], { env: { PFXKIT_PASSWORD: row.password! } });
      for (const flag of ['--jitless', '--wasm-max-mem-pages=0']) {
        const without = spawnCli(['inspect', row.file, '--json'], { env: { PFXKIT_PASSWORD: row.password! }, node: [flag] });
        expect(without.code, `${flag}: ${without.stdout}`).toBe(0);
        expect(JSON.parse(without.stdout)).toEqual(JSON.parse(plain.stdout));
        expect(JSON.parse(without.stdout).leaf).toBe(row.leaf!.thumbprint);
      }
    }
  });

  it('human output names the leaf, its thumbprint and dates', async () => {
    const row = rows.get('openssl3-default.p12')!;
    const r = await run(['inspect', row.file], { env: { PFXKIT_PASSWORD: PW } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[leaf] C=US, O=Contoso\\, Ltd, CN=pfxkit rsa client`);
    expect(r.stdout).toContain(row.leaf!.thumbprint);
    expect(r.stdout).toContain(String(row.leaf!.notAfter));
  });

  it.each([
    ['broken-wrong-password.p12', ['--password-env', 'X'], { X: 'wrong' }, 'BAD_PASSWORD'],
    ['openssl3-default.p12', [], {}, 'BAD_PASSWORD'],
    ['broken-truncated.p12', [], {}, 'MALFORMED'],
    ['broken-pem-certificate.pem', [], {}, 'MALFORMED'],
    ['hostile-mac-iterations.p12', [], { PFXKIT_PASSWORD: PW }, 'ITERATIONS_LIMIT'],
    ['openssl3-default.p12', ['--max-iterations', '100'], { PFXKIT_PASSWORD: PW }, 'ITERATIONS_LIMIT'],
  ] as const)('%s %j: one line with %s, exit 2', async (name, args, env, code) => {
    const r = await run(['inspect', file(name), ...args], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^pfxkit: ${code}: `));
    const j = await run(['inspect', file(name), '--json', ...args], { env });
    expect(JSON.parse(j.stdout).error.code).toBe(code);
  });

  it('usage errors: no file, two password sources, unset variable, unknown flag, missing file', async () => {
    const cases = [
      ['inspect'],
      ['inspect', file('openssl3-default.p12'), '--password-env', 'A', '--password-stdin'],
      ['inspect', file('openssl3-default.p12'), '--password-env', 'UNSET'],
      ['inspect', file('openssl3-default.p12'), '--frobnicate'],
      ['inspect', '/nonexistent/x.pfx'],
      ['inspect', file('openssl3-default.p12'), '--max-iterations', 'lots'],
      ['nonsense'],
    ];
    for (const args of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^pfxkit: USAGE: /);
    }
  });

  it('--help explains the password options and exits 0', async () => {
    const r = await run(['inspect', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--password-env NAME/);
    expect(r.stdout).toMatch(/--password-stdin/);
  });

  it('a wrong password never appears in the output', async () => {
    const canary = 'canary-7f3a-secret';
    const r = await run(['inspect', file('openssl3-default.p12'), '--password-stdin'], { stdin: canary });
    expect(r.stdout + r.stderr).not.toContain(canary);
  });

  it('the installed binary runs, with exit codes', () => {
    const ok = spawnCli(['inspect', file('openssl3-default.b64'), '--json'], { env: { PFXKIT_PASSWORD: PW } });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).leaf).toBe(rows.get('openssl3-default.b64')!.leaf!.thumbprint);
    const bad = spawnCli(['inspect', file('broken-random.bin')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pfxkit: MALFORMED: /);
    expect(spawnCli(['--help']).code).toBe(0);
  });
});

describe('pfxkit COMMAND', () => {
  it('an unknown command is USAGE, including names an object has (constructor, toString)', async () => {
    for (const command of ['nope', 'constructor', 'toString', '__proto__']) {
      const r = await run([command]);
      expect([r.code, r.stderr], command).toEqual([2, `pfxkit: USAGE: unknown command "${command}" (see pfxkit --help)\n`]);
    }
  });
});
