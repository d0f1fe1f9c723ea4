import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPkcs12 } from '../../src/index.js';
import { manifest } from '../helpers.js';
import { run } from './run.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'pfxkit-cli-'));

describe('pfxkit new', () => {
  it('mints a compat bundle and a PEM, prints the thumbprint and validity', async () => {
    const d = tmp();
    const now = new Date('2027-05-01T00:00:00Z');
    const r = await run(['new', '--subject', 'CN=b2c-connector, O=Contoso', '--out', join(d, 'c.pfx'), '--cert-out', join(d, 'c.pem'), '--days', '30', '--json'], {
      env: { PFXKIT_PASSWORD: 'pw-1' },
      now,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.profile).toBe('compat');
    expect(j.certificate.notAfter).toBe(now.getTime() / 1000 + 30 * 86_400);
    const b = await readPkcs12(readFileSync(join(d, 'c.pfx')), { password: 'pw-1' });
    expect(b.leaf).toBe(j.certificate.thumbprint);
    expect(b.parts.every((p) => p.cipher === '3DES-CBC')).toBe(true);
    expect(readFileSync(join(d, 'c.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(statSync(join(d, 'c.pfx')).mode & 0o777).toBe(0o600);
    const human = await run(['new', '--subject', 'x', '--out', join(d, 'h.pfx'), '--password-env', 'P', '--key', 'ec-p256'], { env: { P: 'pw' }, now });
    expect(human.stdout).toMatch(/thumbprint +[0-9A-F]{40}/);
    expect(human.stdout).toMatch(/CN=x/);
  });

  it('refuses to run without a password, to overwrite, or with bad flags; writes nothing then', async () => {
    const d = tmp();
    const out = join(d, 'c.pfx');
    const cases: [string[], NodeJS.ProcessEnv][] = [
      [['new', '--subject', 'CN=x', '--out', out], {}],
      [['new', '--out', out], { PFXKIT_PASSWORD: 'p' }],
      [['new', '--subject', 'CN=x'], { PFXKIT_PASSWORD: 'p' }],
      [['new', '--subject', 'CN=x', '--out', out, '--key', 'dsa-1024'], { PFXKIT_PASSWORD: 'p' }],
      [['new', '--subject', 'CN=x', '--out', out, '--days', '0'], { PFXKIT_PASSWORD: 'p' }],
      [['new', '--subject', 'CN=x', '--out', out, '--profile', 'fast'], { PFXKIT_PASSWORD: 'p' }],
      [['new', '--subject', 'CN=x', '--out', out, '--no-password'], { PFXKIT_PASSWORD: 'p' }],
    ];
    for (const [args, env] of cases) {
      const r = await run(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^pfxkit: USAGE: /);
      expect(existsSync(out)).toBe(false);
    }
    writeFileSync(out, 'keep me');
    const r = await run(['new', '--subject', 'CN=x', '--out', out], { env: { PFXKIT_PASSWORD: 'p' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists: use --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await run(['new', '--subject', 'CN=x', '--out', out, '--force'], { env: { PFXKIT_PASSWORD: 'p' } })).code).toBe(0);
    expect((await readPkcs12(readFileSync(out), { password: 'p' })).privateKeys).toBe(1);
  });

  it('--no-password writes the empty password, explicitly', async () => {
    const d = tmp();
    const r = await run(['new', '--subject', 'CN=open', '--out', join(d, 'o.pfx'), '--no-password']);
    expect(r.code).toBe(0);
    expect((await readPkcs12(readFileSync(join(d, 'o.pfx')))).privateKeys).toBe(1);
  });
});

describe('pfxkit convert', () => {
  it('OpenSSL 3 default (AES) → compat with a new password; the input is untouched', async () => {
    const d = tmp();
    const src = rows.get('openssl3-default.p12')!;
    const before = readFileSync(src.file);
    const out = join(d, 'b2c.pfx');
    const r = await run(['convert', src.file, '--out', out, '--new-password-env', 'NEWPW', '--json'], { env: { PFXKIT_PASSWORD: src.password!, NEWPW: 'fresh' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: out, profile: 'compat', leaf: src.leaf!.thumbprint, certificates: 1, privateKeys: 1 });
    expect(readFileSync(src.file).equals(before)).toBe(true);
    const b = await readPkcs12(readFileSync(out), { password: 'fresh' });
    expect(b.leaf).toBe(src.leaf!.thumbprint);
    const v = await run(['validate', out, '--json', '--now', new Date(src.leaf!.notBefore * 1000 + 86_400_000).toISOString()], { env: { PFXKIT_PASSWORD: 'fresh' } });
    expect(JSON.parse(v.stdout).findings.map((f: { code: string }) => f.code)).not.toContain('ENCRYPTION_COMPAT');
  });

  it('keeps the input password by default; --profile modern; --iterations', async () => {
    const d = tmp();
    const src = rows.get('openssl3-legacy.p12')!;
    const out = join(d, 'm.pfx');
    const r = await run(['convert', src.file, '--out', out, '--profile', 'modern', '--iterations', '5000'], { env: { PFXKIT_PASSWORD: src.password! } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/AES-256-CBC/);
    const b = await readPkcs12(readFileSync(out), { password: src.password });
    expect(b.integrity).toEqual({ kind: 'mac', digest: 'sha256', iterations: 5000 });
  });

  it('never writes over its input, refuses two stdin passwords, and leaves no file after a failure', async () => {
    const d = tmp();
    const src = rows.get('openssl3-default.p12')!;
    const same = await run(['convert', src.file, '--out', src.file, '--force'], { env: { PFXKIT_PASSWORD: src.password! } });
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/never touches its input/);
    const two = await run(['convert', src.file, '--out', join(d, 'x.pfx'), '--password-stdin', '--new-password-stdin'], { stdin: 'a' });
    expect(two.stderr).toMatch(/^pfxkit: USAGE: only one password/);
    const wrong = await run(['convert', src.file, '--out', join(d, 'y.pfx')], { env: { PFXKIT_PASSWORD: 'wrong' } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^pfxkit: BAD_PASSWORD: /);
    expect(existsSync(join(d, 'y.pfx'))).toBe(false);
    const missingDir = await run(['convert', src.file, '--out', join(d, 'no', 'such', 'z.pfx')], { env: { PFXKIT_PASSWORD: src.password! } });
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr).toMatch(/^pfxkit: USAGE: cannot write/);
  });
});
