import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDn } from '../../src/cert/dn.js';
import { run } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'pfxkit-dn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDn: values kept exactly as written', () => {
  it.each([
    ['CN=Contoso "API" client', [[['2.5.4.3', 'Contoso "API" client']]]],
    ['CN=a;b', [[['2.5.4.3', 'a;b']]]],
    ['CN=#1 client', [[['2.5.4.3', '#1 client']]]],
    ['CN=C++ client', [[['2.5.4.3', 'C++ client']]]],
    ['CN=a\\+b, O=Contoso\\, Ltd', [[['2.5.4.3', 'a+b']], [['2.5.4.10', 'Contoso, Ltd']]]],
    [
      'CN=x + OU=y, O=z',
      [
        [
          ['2.5.4.3', 'x'],
          ['2.5.4.11', 'y'],
        ],
        [['2.5.4.10', 'z']],
      ],
    ],
    ['CN=caf\\c3\\a9\\ ', [[['2.5.4.3', 'café ']]]],
    ['2.5.4.3=by oid', [[['2.5.4.3', 'by oid']]]],
    ['plain name, with a comma', [[['2.5.4.3', 'plain name, with a comma']]]],
  ])('%s', (subject, want) => {
    expect(parseDn(subject).map((rdn) => rdn.map((a) => [a.type, a.value]))).toEqual(want);
  });

  it.each([
    ['CN=Contoso, Ltd', '"Ltd" is not TYPE=value'],
    ['CN=', '"CN=" has an empty value'],
    ['XX=1', 'unknown attribute type "XX"'],
    ['CN=a\\q', '"CN=a\\q": a backslash'],
    ['   ', 'the subject is empty'],
  ])('refuses %j naming the part', (subject, part) => {
    expect(() => parseDn(subject)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(part) }));
  });
});

describe('pfxkit new --subject: round trips through inspect and openssl x509', () => {
  it.each([
    ['CN=Contoso "API" client', 'CN=Contoso \\"API\\" client', 'CN=Contoso \\"API\\" client'],
    ['CN=a;b + OU=c\\+d, O=Contoso\\, Ltd', 'CN=a\\;b + OU=c\\+d, O=Contoso\\, Ltd', 'OU=c\\+d+CN=a\\;b,O=Contoso\\, Ltd'],
    ['CN=#1 client', 'CN=\\#1 client', 'CN=\\#1 client'],
  ])('%s', async (subject, inspected, rfc2253) => {
    const out = join(dir, `${Buffer.from(subject).toString('hex').slice(0, 40)}.pfx`);
    const pem = `${out}.pem`;
    const made = await run(['new', '--subject', subject, '--out', out, '--cert-out', pem, '--no-password', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).certificate.subject).toBe(inspected);
    const seen = await run(['inspect', out, '--json']);
    expect(JSON.parse(seen.stdout).certificates[0].subject).toBe(inspected);
    // openssl's RFC 2253 form: the same RDNs and escapes (within an RDN it lists the attributes last first).
    expect(execFileSync('openssl', ['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8' }).trim()).toBe(`subject=${rfc2253}`);
  });

  it('refuses a part it cannot read, with USAGE, and writes nothing', async () => {
    const r = await run(['new', '--subject', 'CN=Contoso, Ltd', '--out', join(dir, 'x.pfx'), '--no-password']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE: subject: "Ltd" is not TYPE=value');
  });
});
