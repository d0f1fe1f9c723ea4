// Commands with a Key Vault URL as FILE, against the Key Vault stand-in (https on 127.0.0.1,
// trusted through NODE_EXTRA_CA_CERTS in the command's environment) and the Graph emulator:
// in-process through the Io object, and once as a real process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../../src/emulator/keyvault.js';
import { createClientBundle, createConnector, GraphHttp, mintSelfSigned, staticToken } from '../../src/index.js';
import { GraphEmulator } from '../../src/entry/emulator.js';
import { cli, root } from '../helpers.js';
import { run, type Result } from './run.js';

const NOW = new Date('2027-02-01T00:00:00Z');
const DAY = 86_400_000;
const CANARY = `canary-kv-${Date.now().toString(36)}-7e1f0c`;
const REFUSED = 'canary-refused-token-5b8d2a';
let kv: KeyVaultEmulator;
let graph: GraphEmulator;
let kvUrl = '';
let graphUrl = '';
let env: NodeJS.ProcessEnv;
const thumbs: Record<string, string> = {};
let firstVersion = '';

const noCanary = (r: Result): void => {
  expect(r.stdout + r.stderr).not.toContain(CANARY);
  expect(r.stdout + r.stderr).not.toContain(REFUSED);
};

beforeAll(async () => {
  // The stand-in accepts the canary: it must never be printed, on success or failure.
  kv = new KeyVaultEmulator({ token: CANARY });
  kvUrl = await kv.start();
  graph = new GraphEmulator({ now: () => NOW.getTime(), throttlePerMinute: 0 });
  graphUrl = await graph.start();
  const dir = mkdtempSync(join(tmpdir(), 'pfxkit-kv-cli-'));
  writeFileSync(join(dir, 'kv-ca.pem'), kv.caPem);
  env = { NODE_EXTRA_CA_CERTS: join(dir, 'kv-ca.pem'), PFXKIT_KEYVAULT_TOKEN: CANARY, PFXKIT_GRAPH_URL: graphUrl, PFXKIT_ACCESS_TOKEN: graph.token };
  const old = await createClientBundle({ subject: 'CN=kv-cli-old', now: new Date(NOW.getTime() - 200 * DAY), days: 365, password: '', profile: 'modern', iterations: 2048, key: 'ec-p256' });
  const cur = await createClientBundle({ subject: 'CN=kv-cli-current', now: new Date(NOW.getTime() - DAY), days: 365, password: '', profile: 'modern', iterations: 2048, key: 'ec-p256' });
  firstVersion = (await kv.addCertificate('b2c-client', { pkcs12: old.pkcs12 })).version;
  thumbs.old = old.certificate.thumbprint;
  thumbs.current = (await kv.addCertificate('b2c-client', { pkcs12: cur.pkcs12 })).thumbprint;
  const minted = await mintSelfSigned({ subject: 'CN=kv-cli-pem', now: new Date(NOW.getTime() - DAY), days: 400, key: 'ec-p256' });
  kv.addPemSecret('pem-client', `${minted.key.export({ format: 'pem', type: 'pkcs8' }).toString()}${minted.pem}`);
  thumbs.pem = minted.certificate.thumbprint;
});

afterAll(async () => {
  await kv?.stop();
  await graph?.stop();
});

describe('inspect / validate / convert with a Key Vault URL', () => {
  it('inspect by secret URL, by secret version, by certificate URL: no password asked', async () => {
    const cases = [
      { file: `${kvUrl}/secrets/b2c-client`, leaf: () => thumbs.current },
      { file: `${kvUrl}/secrets/b2c-client/${firstVersion}`, leaf: () => thumbs.old },
      { file: `${kvUrl}/certificates/b2c-client`, leaf: () => thumbs.current },
      { file: `${kvUrl}/certificates/b2c-client/${firstVersion}`, leaf: () => thumbs.old },
    ];
    for (const c of cases) {
      const r = await run(['inspect', c.file, '--json'], { env, now: NOW });
      expect(r.code, `${c.file}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).leaf).toBe(c.leaf());
      noCanary(r);
    }
    const human = await run(['inspect', `${kvUrl}/certificates/b2c-client`], { env, now: NOW });
    expect(human.stdout).toMatch(new RegExp(`^${kvUrl}/certificates/b2c-client: 1 certificate, 1 private key`));
  });

  it('a PEM secret reads as a compat PKCS#12; validate and convert take it too', async () => {
    const r = await run(['inspect', `${kvUrl}/secrets/pem-client`, '--json'], { env, now: NOW });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ leaf: thumbs.pem, privateKeys: 1, integrity: { kind: 'mac', digest: 'sha1' } });
    const v = await run(['validate', `${kvUrl}/secrets/pem-client`, '--json'], { env, now: NOW });
    expect(JSON.parse(v.stdout).leaf.thumbprint).toBe(thumbs.pem);
    const out = join(mkdtempSync(join(tmpdir(), 'pfxkit-kv-conv-')), 'out.pfx');
    const c = await run(['convert', `${kvUrl}/certificates/b2c-client`, '--out', out, '--profile', 'compat', '--json'], { env, now: NOW });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ leaf: thumbs.current, profile: 'compat' });
    noCanary(r);
  });

  it('a password option beside a Key Vault URL is USAGE (a download has no password); PFXKIT_PASSWORD is not used for it', async () => {
    const flag = await run(['inspect', `${kvUrl}/secrets/b2c-client`, '--password-env', 'X', '--json'], { env: { ...env, X: 'x' }, now: NOW });
    expect(flag.code).toBe(2);
    expect(JSON.parse(flag.stdout).error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no password/) });
    // A pipeline's PFXKIT_PASSWORD (for its files) does not get in the way of a vault source.
    const pw = await run(['inspect', `${kvUrl}/secrets/b2c-client`], { env: { ...env, PFXKIT_PASSWORD: 'pw' }, now: NOW });
    expect([pw.code, pw.stderr]).toEqual([0, '']);
    const http = await run(['inspect', 'http://127.0.0.1:1/secrets/a'], { env, now: NOW });
    expect(http.stderr).toMatch(/^pfxkit: USAGE: .*over https only/);
  });

  it('a missing secret is KEYVAULT_NOT_FOUND, a refused token KEYVAULT_AUTH (exit 2); the token never printed', async () => {
    const missing = await run(['inspect', `${kvUrl}/secrets/nope`, '--json'], { env, now: NOW });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'KEYVAULT_NOT_FOUND', message: expect.stringMatching(/SecretNotFound.*x-ms-request-id [0-9a-f-]{36}/) });
    noCanary(missing);
    const refused = await run(['inspect', `${kvUrl}/certificates/b2c-client`], { env: { ...env, PFXKIT_KEYVAULT_TOKEN: REFUSED, PFXKIT_DEBUG: '1' }, now: NOW });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^pfxkit: KEYVAULT_AUTH: certificate .*401 Unauthorized/);
    noCanary(refused);
  });
});

describe('plan / rotate from a Key Vault URL', () => {
  it('to a connector: re-encoded to compat, verified; a rerun writes nothing', async () => {
    const http = new GraphHttp({ baseUrl: graphUrl, token: staticToken(graph.token) });
    const conn = await createConnector(http, {
      displayName: 'kv-target',
      targetUrl: 'https://api.contoso.com/kv',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'basic-Secret-9' },
    });
    const plan = await run(['plan', `${kvUrl}/certificates/b2c-client`, '--connector', conn.id, '--json'], { env, now: NOW });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).results[0]).toMatchObject({ action: 'replace', dryRun: true });
    const r = await run(['rotate', `${kvUrl}/certificates/b2c-client`, '--connector', conn.id, '--json'], { env, now: NOW });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ action: 'replace', encoding: 'compat', verified: true, certificate: { thumbprint: thumbs.current }, error: null });
    noCanary(r);
    const again = await run(['rotate', `${kvUrl}/secrets/b2c-client`, '--connector', conn.id, '--json'], { env, now: NOW });
    expect(JSON.parse(again.stdout).results[0]).toMatchObject({ action: 'none' });
  });

  it('to a keyset (the empty password: a generated one for the upload, never printed), and a PEM secret too', async () => {
    const r = await run(['rotate', `${kvUrl}/certificates/b2c-client`, '--keyset', 'KvKeys', '--create-keyset', '--json'], { env, now: NOW });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ keyset: { id: 'B2C_1A_KvKeys' }, action: 'upload', verified: true, certificate: { thumbprint: thumbs.current }, error: null });
    noCanary(r);
    const pem = await run(['rotate', `${kvUrl}/secrets/pem-client`, '--keyset', 'B2C_1A_KvKeys', '--json'], { env, now: NOW });
    expect(pem.code, pem.stderr).toBe(0);
    expect(JSON.parse(pem.stdout).results[0]).toMatchObject({ action: 'upload', verified: true, certificate: { thumbprint: thumbs.pem } });
    const x5ts = (graph.keysets() as { id: string; keys: { x5t: string }[] }[]).find((k) => k.id === 'B2C_1A_KvKeys')!.keys.map((k) => Buffer.from(k.x5t, 'base64url').toString('hex').toUpperCase());
    expect(x5ts).toEqual([thumbs.current, thumbs.pem]);
  });
});

describe('as a process, trusting the stand-in through NODE_EXTRA_CA_CERTS', () => {
  it('inspect by certificate URL works; a refused token fails with KEYVAULT_AUTH; neither prints the token', async () => {
    const spawnCli = (args: string[], extra: NodeJS.ProcessEnv): Promise<Result> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [cli, ...args], {
          env: { PATH: process.env.PATH, PFXKIT_STATE_DIR: process.env.PFXKIT_STATE_DIR, ...env, ...extra },
          cwd: root,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    const ok = await spawnCli(['inspect', `${kvUrl}/certificates/b2c-client`, '--json'], {});
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).leaf).toBe(thumbs.current);
    noCanary(ok);
    const bad = await spawnCli(['inspect', `${kvUrl}/secrets/b2c-client`, '--json'], { PFXKIT_KEYVAULT_TOKEN: REFUSED, AZURE_LOG_LEVEL: 'verbose', PFXKIT_DEBUG: '1' });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('KEYVAULT_AUTH');
    noCanary(bad);
  });
});

describe('lazy loading', () => {
  it('a command on a file never loads the Key Vault SDK; one on a vault URL does', async () => {
    // A preload lists, at exit, the files the (CommonJS) CLI required.
    const dir = mkdtempSync(join(tmpdir(), 'pfxkit-lazy-'));
    const preload = join(dir, 'required.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeSync(2, '\\nREQUIRED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));`);
    // Asynchronously: the vault stand-in answers from this process.
    const required = (source: string): Promise<{ code: number | null; files: string[] }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--require', preload, cli, 'inspect', source, '--json'], { env: { PATH: process.env.PATH, ...env } });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.stdout.resume();
        child.on('close', (code) => resolve({ code, files: JSON.parse(/REQUIRED (.*)/.exec(stderr)![1]!) as string[] }));
      });
    const sdk = (files: string[]): string[] => files.filter((f) => /@azure[\\/]keyvault-(secrets|certificates)/.test(f));
    try {
      const file = await required(join(root, 'test', 'fixtures', 'p12', 'openssl3-empty-password.p12'));
      expect(file.code).toBe(0);
      expect(sdk(file.files)).toEqual([]);
      const vault = await required(`${kvUrl}/secrets/b2c-client`);
      expect(vault.code).toBe(0);
      expect(sdk(vault.files).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
