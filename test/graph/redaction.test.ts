/** A server that echoes secrets back in its errors: none of them reaches a message. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphHttp } from '../../src/graph/http.js';
import { redact } from '../../src/lib/http.js';

let server: Server;
let url: string;

beforeAll(async () => {
  // Answers 400 with a Graph error whose message repeats the raw token and the request body.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const sent = body ? (JSON.parse(body) as { pkcs12Value?: string; password?: string }) : {};
      const echo = [
        `token ${token}`,
        `value ${sent.pkcs12Value ?? ''}`,
        `head ${(sent.pkcs12Value ?? '').slice(0, 40)}`,
        `password ${sent.password ?? ''}`,
        `password64 ${Buffer.from(sent.password ?? '').toString('base64')}`,
      ].join('; ');
      res.writeHead(400, { 'content-type': 'application/json', 'request-id': 'rid-1' });
      res.end(JSON.stringify({ error: { code: 'Echo', message: echo } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('redaction of what a server echoes', () => {
  const pkcs12Value = randomBytes(600).toString('base64');
  const password = 'Canary-pw-7f3a';
  for (const token of ['canary-opaque-token-5d2c9e', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ']) {
    it(`cuts the raw token (${token.startsWith('eyJ') ? 'a JWT' : 'opaque'}), without "Bearer", and the body's secrets in any form`, async () => {
      const http = new GraphHttp({ baseUrl: url, token: { getToken: async () => token }, maxRetries: 0 });
      const err = await http
        .request('POST', '/identity/apiConnectors/x/uploadClientCertificate', { body: { pkcs12Value, password }, secrets: [pkcs12Value, password] })
        .catch((e: Error & { code: string }) => e);
      expect(err).toMatchObject({ code: 'GRAPH_REJECTED' });
      const m = (err as Error).message;
      expect(m).toMatch(/Echo: token \[redacted\]; value \[redacted\]; head \[redacted\]; password \[redacted\]; password64 \[redacted\]/);
      for (const secret of [token, password, Buffer.from(password).toString('base64'), pkcs12Value.slice(0, 40)]) expect(m).not.toContain(secret);
    });
  }

  it('redact: base64 and base64url forms, a long run taken from a secret, JWTs; short ordinary words stay', () => {
    const pw = 'hunter22-secret';
    expect(redact(`a ${Buffer.from(pw).toString('base64url')} b`, [pw])).toBe('a [redacted] b');
    expect(redact('Bearer abc.def-ghi and eyJhbGciOi.eyJzdWIi.sig', [])).toBe('Bearer [redacted] and [redacted]');
    expect(redact('value MIIKAgEDMIIJvAYJKoZIhvcNAQcBoIIJ rest', ['xxMIIKAgEDMIIJvAYJKoZIhvcNAQcBoIIJyy'])).toBe('value [redacted] rest');
    expect(redact('status ok, no secret here', ['hunter22-secret'])).toBe('status ok, no secret here');
  });
});
