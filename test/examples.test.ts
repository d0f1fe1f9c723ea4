// The examples run as a user would run them: built, as processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClientBundle } from '../src/index.js';
import { manifest, root } from './helpers.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const example = (name: string, args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [join(root, 'dist', 'examples', `${name}.js`), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

describe('examples/pre-upload-check', () => {
  it('an AES bundle passes and gets a compat copy; an expired one fails with exit 1', async () => {
    // The example judges at the real time, so the good bundle is minted now (fixtures age).
    const d = mkdtempSync(join(tmpdir(), 'pfxkit-example-'));
    const fresh = await createClientBundle({ subject: 'CN=example', now: new Date(), password: 'pw', profile: 'modern', iterations: 10_000 });
    writeFileSync(join(d, 'client.pfx'), fresh.pkcs12);
    const ok = example('pre-upload-check', [join(d, 'client.pfx')], { PFX_PASSWORD: 'pw' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ENCRYPTION_COMPAT/);
    expect(existsSync(join(d, 'client.pfx.compat.pfx'))).toBe(true);
    const expired = rows.get('openssl3-expired.p12')!;
    const bad = example('pre-upload-check', [expired.file], { PFX_PASSWORD: expired.password });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/EXPIRED/);
    const unreadable = example('pre-upload-check', [rows.get('broken-random.bin')!.file], {});
    expect(unreadable.status).toBe(2);
  });
});
