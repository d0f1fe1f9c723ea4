// Canaries: a password, a token and a private key that must never reach stdout, stderr, JSON or
// an error message, whatever the command and whether it succeeds or fails.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientBundle, createConnector, GraphHttp, readPkcs12, staticToken } from '../../src/index.js';
import { GraphEmulator } from '../../src/entry/emulator.js';
import { run, type Result } from '../cli/run.js';

const PASSWORD = 'canary-PW-7Hq2-zz';
const TOKEN = 'canary-TOKEN-eyJhbGciOi.x9';
const dir = mkdtempSync(join(tmpdir(), 'pfxkit-canary-'));
const pfx = join(dir, 'canary.pfx');
let keyChunks: string[] = [];
let pkcs12Value = '';
let emulator: GraphEmulator;
let url = '';
let connectorId = '';

beforeAll(async () => {
  const created = await createClientBundle({ subject: 'CN=canary', now: new Date(), password: PASSWORD });
  writeFileSync(pfx, created.pkcs12);
  pkcs12Value = Buffer.from(created.pkcs12).toString('base64');
  const bundle = await readPkcs12(created.pkcs12, { password: PASSWORD });
  const der = bundle.keys[0]!.key!.export({ format: 'der', type: 'pkcs8' });
  const pem = bundle.keys[0]!.key!.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Any 24-character run of the key, in base64 (PEM) or hex, would be a leak.
  const b64 = pem.replace(/-----[^-]+-----|\s/g, '');
  keyChunks = [b64.slice(40, 64), b64.slice(400, 424), der.toString('hex').slice(100, 124)];
  emulator = new GraphEmulator();
  url = await emulator.start();
  const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
  connectorId = (
    await createConnector(http, {
      displayName: 'canary',
      targetUrl: 'https://x',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: PASSWORD },
    })
  ).id;
});
afterAll(async () => {
  await emulator.stop();
});

function clean(r: Result, what: string): void {
  const text = r.stdout + r.stderr;
  expect(text, what).not.toContain(PASSWORD);
  expect(text, what).not.toContain(TOKEN);
  expect(text, what).not.toContain(pkcs12Value.slice(100, 140));
  for (const chunk of keyChunks) expect(text, what).not.toContain(chunk);
}

describe('no secret in any output', () => {
  it('every command, on its success and failure paths, with and without --json and -v', async () => {
    const good = { PFXKIT_PASSWORD: PASSWORD, PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: TOKEN };
    const graphOk = () => ({ ...good, PFXKIT_ACCESS_TOKEN: emulator.token });
    const wrongPw = { ...good, PFXKIT_PASSWORD: `${PASSWORD}-wrong` };
    const out = (n: string) => join(dir, n);
    const cases: [string[], NodeJS.ProcessEnv][] = [
      [['inspect', pfx], good],
      [['inspect', pfx, '--json'], wrongPw],
      [['inspect', pfx, '--password-stdin'], {}],
      [['validate', pfx, '--json'], good],
      [['validate', pfx], wrongPw],
      [['convert', pfx, '--out', out('c1.pfx'), '--json'], good],
      [['convert', pfx, '--out', out('c2.pfx')], wrongPw],
      [['new', '--subject', 'CN=canary2', '--out', out('n.pfx'), '--json'], good],
      [['plan', pfx, '--connector', connectorId, '--json', '-v'], graphOk()],
      [['rotate', pfx, '--connector', connectorId, '-v'], good], // the canary token is refused
      [['rotate', pfx, '--connector', connectorId, '--json', '-v'], graphOk()],
      [['rotate', pfx, '--connector', connectorId, '--json'], { ...graphOk(), PFXKIT_PASSWORD: `${PASSWORD}-wrong` }],
      [['report', '--format', 'json', '-v'], good],
      [['report', '--format', 'prometheus'], graphOk()],
      [['report', pfx, dir, '--format', 'csv'], good],
      [['report', pfx], wrongPw],
    ];
    for (const [args, env] of cases) {
      const r = await run(args, { env, stdin: `${PASSWORD}\n` });
      clean(r, args.join(' '));
    }
    // The emulator keeps no secret either: not the Basic password, not the pkcs12Value.
    const state = JSON.stringify(emulator.connectors());
    expect(state).not.toContain(PASSWORD);
    expect(state).not.toContain(pkcs12Value.slice(100, 140));
  });

  it('a token in an error from a TokenCredential does not leak through GRAPH_AUTH messages', async () => {
    const r = await run(['rotate', pfx, '--connector', connectorId, '--json'], { env: { PFXKIT_PASSWORD: PASSWORD, PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: TOKEN } });
    expect(JSON.parse(r.stdout).results[0].error.code).toBe('GRAPH_AUTH');
    clean(r, 'rotate with a refused token');
  });

  it('files written hold the key encrypted, never in the clear', () => {
    for (const f of ['c1.pfx', 'n.pfx']) {
      const bytes = readFileSync(join(dir, f));
      for (const chunk of keyChunks) expect(bytes.toString('latin1')).not.toContain(chunk);
    }
  });
});
