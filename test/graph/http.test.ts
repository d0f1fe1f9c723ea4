import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertConnectorsIn, graphBaseUrl, parseCloud, scopeFor } from '../../src/graph/clouds.js';
import { bundleToPem, credentialToken } from '../../src/graph/credentials.js';
import { GraphHttp } from '../../src/graph/http.js';
import { parseRetryAfter, redact } from '../../src/lib/http.js';
import { readPkcs12 } from '../../src/index.js';
import { manifest } from '../helpers.js';

describe('HTTP details', () => {
  it('Retry-After: seconds, fractions, HTTP dates, junk', () => {
    const now = Date.parse('2027-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    expect(parseRetryAfter('Fri, 01 Jan 2027 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Thu, 31 Dec 2026 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('redacts secrets and bearer tokens', () => {
    expect(redact('pw hunter22 and Bearer abc.def-ghi', ['hunter22'])).toBe('pw [redacted] and Bearer [redacted]');
  });

  it('never follows a link to another host with the token', () => {
    const http = new GraphHttp({ baseUrl: 'https://graph.microsoft.com/v1.0', token: { getToken: async () => 't' } });
    expect(() => http.resolve('https://evil.example/v1.0/identity/apiConnectors')).toThrow(expect.objectContaining({ code: 'GRAPH_REJECTED' }));
    expect(http.resolve('https://graph.microsoft.com/v1.0/identity/apiConnectors?$skiptoken=x')).toMatch(/^https:\/\/graph\.microsoft\.com/);
  });

  it('a POST that never left (connection refused) is sent again at once; one that may have left is not', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const sleeps: number[] = [];
    const http = new GraphHttp({ baseUrl: `http://127.0.0.1:${port}/v1.0`, token: { getToken: async () => 't' }, sleep: async (ms) => void sleeps.push(ms), maxRetries: 2 });
    await expect(http.request('POST', '/identity/apiConnectors/x/uploadClientCertificate', { body: {} })).rejects.toMatchObject({
      code: 'GRAPH_UNAVAILABLE',
      message: expect.stringMatching(/after 3 attempts/),
    });
    expect(sleeps).toHaveLength(2);
    // A server that takes the connection and cuts it: the POST may have been processed.
    const cutter = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => cutter.listen(0, '127.0.0.1', r));
    const cut = new GraphHttp({ baseUrl: `http://127.0.0.1:${(cutter.address() as AddressInfo).port}/v1.0`, token: { getToken: async () => 't' }, sleep: async () => undefined });
    await expect(cut.request('POST', '/x', { body: {} })).rejects.toMatchObject({ name: 'Error', maybeSent: true, status: null });
    await new Promise((r) => cutter.close(r));
  });

  it('a Retry-After in the past (or 0) backs off instead of retrying at once', async () => {
    const server = createServer((_req, res) => res.writeHead(429, { 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sleeps: number[] = [];
    const http = new GraphHttp({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`,
      token: { getToken: async () => 't' },
      sleep: async (ms) => void sleeps.push(ms),
      maxRetries: 3,
      random: () => 0.5,
    });
    await expect(http.request('GET', '/x')).rejects.toMatchObject({ code: 'GRAPH_THROTTLED' });
    await new Promise((r) => server.close(r));
    expect(sleeps).toEqual([375, 750, 1500]);
  });

  it('clouds: roots and scopes', () => {
    expect(graphBaseUrl(parseCloud('china'))).toBe('https://microsoftgraph.chinacloudapi.cn/v1.0');
    expect(scopeFor(graphBaseUrl(parseCloud('dod')))).toBe('https://dod-graph.microsoft.us/.default');
    expect(scopeFor('https://graph.microsoft.com/beta')).toBe('https://graph.microsoft.com/.default');
    expect(() => parseCloud('mars')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => graphBaseUrl('global', 'not a url')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => assertConnectorsIn('usgov')).toThrow(/US Government L4/);
    expect(() => assertConnectorsIn('dod')).toThrow(/L5 \(DoD\)/);
    expect(() => assertConnectorsIn('china')).not.toThrow();
  });
});

describe('credentials', () => {
  it('a TokenCredential is cached and refreshed five minutes before expiry', async () => {
    let now = 0;
    const calls: string[] = [];
    const credential = {
      getToken: async (scope: string | string[]) => {
        calls.push(String(scope));
        return { token: `t${calls.length}`, expiresOnTimestamp: now + 3_600_000 };
      },
    };
    const source = credentialToken(credential, 'https://graph.microsoft.com/.default', () => now);
    expect(await source.getToken()).toBe('t1');
    now += 3_000_000;
    expect(await source.getToken()).toBe('t1');
    now += 400_000; // within five minutes of expiry
    expect(await source.getToken()).toBe('t2');
    expect(calls).toEqual(['https://graph.microsoft.com/.default', 'https://graph.microsoft.com/.default']);
  });

  it('a failing credential is GRAPH_AUTH', async () => {
    const source = credentialToken({ getToken: async () => Promise.reject(new Error('no identity here')) }, 's');
    await expect(source.getToken()).rejects.toMatchObject({ code: 'GRAPH_AUTH' });
  });

  it('--auth-pfx: the bundle as PEM in memory (key and certificate) for ClientCertificateCredential', async () => {
    const row = manifest().find((r) => r.name === 'openssl3-legacy')!;
    const bundle = await readPkcs12(readFileSync(row.file), { password: row.password });
    const pem = bundleToPem(bundle);
    expect(createPrivateKey(pem).type).toBe('private');
    expect(new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE'))).fingerprint.replace(/:/g, '')).toBe(row.leaf!.thumbprint);
  });
});

describe('links', () => {
  it('a server-relative nextLink with the version is resolved against the origin', () => {
    const http = new GraphHttp({ baseUrl: 'https://graph.microsoft.com/v1.0', token: { getToken: async () => 't' } });
    expect(http.resolve('/v1.0/identity/apiConnectors?$skiptoken=2')).toBe('https://graph.microsoft.com/v1.0/identity/apiConnectors?$skiptoken=2');
    expect(http.resolve('/identity/apiConnectors')).toBe('https://graph.microsoft.com/v1.0/identity/apiConnectors');
  });
});

describe('options', () => {
  it('an option given as undefined takes its default', () => {
    const http = new GraphHttp({ baseUrl: 'https://graph.microsoft.com/v1.0', token: { getToken: async () => 't' }, timeoutMs: undefined });
    expect(http.timeoutMs).toBe(30_000);
  });
});
