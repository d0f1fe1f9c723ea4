import { describe, expect, it } from 'vitest';
import { manifest } from '../helpers.js';
import { run } from './run.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const env = { PFXKIT_PASSWORD: rows.get('openssl3-default.p12')!.password! };
const file = (name: string): string => rows.get(name)!.file;
const iso = (epoch: number): string => new Date(epoch * 1000).toISOString();

describe('pfxkit validate', () => {
  it('a good bundle: exit 0, ok, the leaf, warnings listed', async () => {
    const row = rows.get('openssl3-default.p12')!;
    const r = await run(['validate', row.file, '--json', '--now', iso(row.leaf!.notBefore + 86_400)], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).sort()).toEqual(['findings', 'leaf', 'ok']);
    expect(j.ok).toBe(true);
    expect(j.leaf.thumbprint).toBe(row.leaf!.thumbprint);
    expect(j.findings.map((x: { code: string }) => x.code)).toContain('ENCRYPTION_COMPAT');
    const human = await run(['validate', row.file, '--now', iso(row.leaf!.notBefore + 86_400)], { env });
    expect(human.stdout).toMatch(/: OK\n/);
    expect(human.stdout).toMatch(/warning +ENCRYPTION_COMPAT: .*convert --profile compat/);
  });

  it.each([
    ['openssl3-expired.p12', '2026-01-01T00:00:00Z', 'EXPIRED'],
    ['openssl3-boundary-2050.p12', '2030-01-01T00:00:00Z', 'NOT_YET_VALID'],
    ['openssl3-certs-only.p12', '2027-01-01T00:00:00Z', 'NO_PRIVATE_KEY'],
    ['forge-mismatched-key.p12', '2027-01-01T00:00:00Z', 'KEY_MISMATCH'],
    ['keytool-two-identities.p12', '2027-01-01T00:00:00Z', 'MULTIPLE_KEYS'],
  ])('%s at %s: %s, exit 1', async (name, now, code) => {
    const r = await run(['validate', file(name), '--now', now, '--json'], { env });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.findings.filter((x: { severity: string }) => x.severity === 'error').map((x: { code: string }) => x.code)).toContain(code);
  });

  it('--min-days moves EXPIRES_SOON', async () => {
    const row = rows.get('openssl3-ec.p12')!;
    const now = iso(row.leaf!.notAfter - 14 * 86_400);
    const soon = JSON.parse((await run(['validate', row.file, '--now', now, '--json'], { env })).stdout);
    expect(soon.findings.map((x: { code: string }) => x.code)).toContain('EXPIRES_SOON');
    const fine = JSON.parse((await run(['validate', row.file, '--now', now, '--min-days', '7', '--json'], { env })).stdout);
    expect(fine.findings.map((x: { code: string }) => x.code)).not.toContain('EXPIRES_SOON');
  });

  it('unreadable input is exit 2; bad flags are USAGE', async () => {
    expect((await run(['validate', file('broken-truncated.p12')], { env })).code).toBe(2);
    for (const args of [
      ['--now', 'yesterday'],
      ['--min-days', '-3'],
      ['--min-days', 'x'],
    ]) {
      const r = await run(['validate', file('openssl3-default.p12'), ...args], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^pfxkit: USAGE: /);
    }
  });
});
