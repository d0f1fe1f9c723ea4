// The examples run as a user would run them: built, as processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClientBundle, createConnector, GraphHttp, staticToken } from '../src/index.js';
import { GraphEmulator } from '../src/entry/emulator.js';
import { manifest, root } from './helpers.js';

const rows = new Map(manifest().map((r) => [r.file.split('/').pop()!, r]));
const example = (name: string, args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [join(root, 'dist', 'examples', `${name}.js`), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, PFXKIT_STATE_DIR: process.env.PFXKIT_STATE_DIR, ...env } });

/** The same, without blocking the event loop (the emulator runs in this process). */
function exampleAsync(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'examples', `${name}.js`), ...args], { env: { PATH: process.env.PATH, PFXKIT_STATE_DIR: process.env.PFXKIT_STATE_DIR, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

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

describe('examples/rotation-job against the emulator', () => {
  it('switches a Basic connector to the certificate, then a rerun writes nothing; a bad id is exit 2', async () => {
    const emulator = new GraphEmulator();
    const url = await emulator.start();
    try {
      const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
      const conn = await createConnector(http, {
        displayName: 'job-target',
        targetUrl: 'https://api.contoso.com/job',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p-secret-1' },
      });
      const d = mkdtempSync(join(tmpdir(), 'pfxkit-job-'));
      const fresh = await createClientBundle({ subject: 'CN=job', now: new Date(), password: 'job-pw' });
      writeFileSync(join(d, 'new.pfx'), fresh.pkcs12);
      const env = { PFX_PATH: join(d, 'new.pfx'), PFX_PASSWORD: 'job-pw', CONNECTOR_IDS: conn.id, PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token };
      const first = await exampleAsync('rotation-job', [], env);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/job-target: replace \(as-is\), verified true, active true/);
      const again = await exampleAsync('rotation-job', [], env);
      expect(again.stdout).toMatch(/job-target: none \(as-is\), verified true/);
      expect(emulator.requests.filter((r) => r.method !== 'GET').length).toBe(2); // create + one PATCH
      const bad = await exampleAsync('rotation-job', [], { ...env, CONNECTOR_IDS: 'no-such-id' });
      expect(bad.status).toBe(2);
      expect(bad.stdout).toMatch(/GRAPH_NOT_FOUND/);
    } finally {
      await emulator.stop();
    }
  });
});

describe('examples/expiry-report against the emulator', () => {
  it('writes Prometheus text, prints a summary, exits by Nagios rules', async () => {
    const emulator = new GraphEmulator();
    const url = await emulator.start();
    try {
      const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
      const soon = await createClientBundle({ subject: 'CN=soon', now: new Date(Date.now() - 355 * 86_400_000), days: 365, password: 'p' });
      await createConnector(http, {
        displayName: 'expiring',
        targetUrl: 'https://x',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: Buffer.from(soon.pkcs12).toString('base64'), password: 'p' },
      });
      const out = join(mkdtempSync(join(tmpdir(), 'pfxkit-prom-')), 'pfxkit.prom');
      const r = await exampleAsync('expiry-report', [out], { PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toMatch(/1 certificates: 1 critical/);
      expect(readFileSync(out, 'utf8')).toContain(`thumbprint="${soon.certificate.thumbprint}"`);
    } finally {
      await emulator.stop();
    }
  });
});
