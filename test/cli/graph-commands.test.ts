import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientBundle, createConnector, GraphEmulator, GraphHttp, staticToken } from '../../src/index.js';
import { root } from '../helpers.js';
import { run } from './run.js';

const NOW = new Date('2027-02-01T00:00:00Z');
let emulator: GraphEmulator;
let env: NodeJS.ProcessEnv;
let http: GraphHttp;
const dir = mkdtempSync(join(tmpdir(), 'pfxkit-graph-cli-'));
const files: Record<string, string> = {};

beforeAll(async () => {
  emulator = new GraphEmulator({ now: () => NOW.getTime() });
  const url = await emulator.start();
  env = { PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token, PFXKIT_PASSWORD: 'cli-pw' };
  http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
  for (const [name, daysAgo] of [['current', 1], ['future', -3], ['expired', 500]] as const) {
    const c = await createClientBundle({ subject: `CN=${name}`, now: new Date(NOW.getTime() - daysAgo * 86_400_000), days: 365, password: 'cli-pw' });
    files[name] = join(dir, `${name}.pfx`);
    writeFileSync(files[name]!, c.pkcs12);
  }
});
afterAll(async () => {
  await emulator.stop();
});

const newConnector = async (name: string) =>
  createConnector(http, { displayName: name, targetUrl: 'https://api.contoso.com', authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p-1234' } });

describe('pfxkit plan / rotate', () => {
  it('plan says what would happen and writes nothing; rotate does it; the JSON follows SPEC.md', async () => {
    const c = await newConnector('cli-a');
    const writes = () => emulator.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const plan = await run(['plan', files.current!, '--connector', c.id, '--now', NOW.toISOString()], { env, now: NOW });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/cli-a \(.+\): would replace\n {2}the connector uses Basic authentication/);
    expect(writes()).toBe(before);
    const r = await run(['rotate', files.current!, '--connector', c.id, '--json'], { env, now: NOW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['results']);
    expect(j.results[0]).toMatchObject({ connector: { id: c.id, displayName: 'cli-a' }, action: 'replace', dryRun: false, verified: true, active: true });
    expect(Object.keys(j.results[0].certificate)).toEqual(['thumbprint', 'notBefore', 'notAfter']);
    expect(j.results[0].certificateList[0]).toMatchObject({ isActive: true });
    const dry = await run(['rotate', files.current!, '--connector-name', 'cli-a', '--dry-run', '--json'], { env, now: NOW });
    expect(JSON.parse(dry.stdout).results[0]).toMatchObject({ action: 'none', dryRun: true });
  });

  it('--require-active fails (exit 1) for a certificate Graph does not make active yet', async () => {
    const c = await newConnector('cli-b');
    await run(['rotate', files.current!, '--connector', c.id], { env, now: NOW });
    const r = await run(['rotate', files.future!, '--connector', c.id, '--require-active'], { env, now: NOW });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/warning: the candidate is not valid before/);
    expect(r.stdout).toMatch(/VERIFY_FAILED: .*not show it active/);
  });

  it('an expired candidate is refused: exit 1, nothing sent', async () => {
    const c = await newConnector('cli-c');
    const n = emulator.requests.length;
    const r = await run(['rotate', files.expired!, '--connector', c.id], { env, now: NOW });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused: nothing was written/);
    expect(emulator.requests.length).toBe(n);
  });

  it('usage errors and a bad token', async () => {
    for (const args of [['rotate', files.current!], ['rotate', files.current!, '--connector', 'x', '--mode', 'sideways'], ['plan'], ['rotate', files.current!, '--connector', 'x', '--cloud', 'mars']]) {
      const r = await run(args, { env, now: NOW });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^pfxkit: USAGE: /);
    }
    const c = await newConnector('cli-d');
    const bad = await run(['rotate', files.current!, '--connector', c.id, '--json'], { env: { ...env, PFXKIT_ACCESS_TOKEN: 'wrong' }, now: NOW });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).results[0].error.code).toBe('GRAPH_AUTH');
    expect(bad.stdout).not.toContain('wrong');
  });
});

describe('pfxkit emulator', () => {
  it('listens, prints its URL and token, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'emulator', '--json', '--token', 'emu-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('}')) resolve(buf);
      });
    });
    const { url, token } = JSON.parse(first) as { url: string; token: string };
    expect(token).toBe('emu-token');
    const res = await fetch(`${url}/identity/apiConnectors`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
