// Load: rotate 200 connectors against an emulator that allows 300 requests a minute (Graph's
// documented B2C limit). The emulator and the client share a simulated clock: the client's
// sleeper moves it, so the minute of waiting takes no real time.
import { describe, expect, it } from 'vitest';
import { GraphEmulator } from '../../src/emulator/server.js';
import { staticToken } from '../../src/graph/credentials.js';
import { GraphHttp } from '../../src/graph/http.js';
import { rotate } from '../../src/graph/rotate.js';
import { certificateListOf } from '../../src/graph/types.js';
import { createConnector } from '../../src/graph/connectors.js';
import { candidate, NOW } from './setup.js';

export interface LoadFigures {
  connectors: number;
  requests: number;
  throttled: number;
  uploads: number;
  simulatedSeconds: number;
  maxInFlight: number;
}

describe('rotation under throttling', () => {
  it('200 connectors at 300 requests a minute: bounded concurrency, Retry-After respected, no double upload, ≤ 2 requests a connector plus retries', async () => {
    let clock = NOW.getTime();
    const emulator = new GraphEmulator({ now: () => clock, pageSize: 100 });
    const url = await emulator.start();
    try {
      const setupHttp = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
      const first = await candidate('CN=load-old', { startDaysAgo: 30 });
      const next = await candidate('CN=load-new', { startDaysAgo: 1, days: 400 });
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) {
        const c = await createConnector(setupHttp, {
          displayName: `conn-${i}`,
          targetUrl: 'https://api.contoso.com',
          authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', pkcs12Value: Buffer.from(first.pkcs12).toString('base64'), password: first.password },
        });
        ids.push(c.id);
      }
      const before = emulator.requests.length;
      emulator.throttle(300);
      const sleeps: number[] = [];
      const http = new GraphHttp({
        baseUrl: url,
        token: staticToken(emulator.token),
        now: () => clock,
        maxRetries: 10,
        sleep: async (ms) => {
          sleeps.push(ms);
          const wake = clock + ms;
          await Promise.resolve();
          clock = Math.max(clock, wake);
        },
      });
      const started = clock;
      const report = await rotate({ http, bundle: next.bundle, pkcs12: next.pkcs12, password: next.password, connectors: ids, now: NOW, concurrency: 4 });

      expect(report.exitCode).toBe(0);
      expect(report.results.every((r) => r.action === 'upload' && r.verified && r.active)).toBe(true);
      const load = emulator.requests.slice(before);
      const throttled = load.filter((r) => r.status === 429);
      const uploads = load.filter((r) => r.method === 'POST' && r.status === 200);
      // Nothing uploaded twice: exactly one successful upload per connector, and one entry each.
      expect(uploads).toHaveLength(200);
      expect(new Set(uploads.map((r) => r.path)).size).toBe(200);
      for (const c of emulator.connectors() as Parameters<typeof certificateListOf>[0][]) {
        expect(certificateListOf(c).filter((e) => e.thumbprint === next.thumbprint)).toHaveLength(1);
      }
      // At most 2 requests a connector (GET + upload) plus the retries of throttled ones.
      expect(load.length - throttled.length).toBeLessThanOrEqual(2 * 200);
      // Bounded concurrency.
      expect(emulator.maxInFlight).toBeLessThanOrEqual(4);
      // Retry-After respected: after each 429, the next request for that path comes no sooner.
      for (const t of throttled) {
        const again = load.find((r) => r.path === t.path && r.method === t.method && r.at > t.at);
        expect(again, `${t.method} ${t.path} was retried`).toBeDefined();
        expect(again!.at).toBeGreaterThanOrEqual(t.at + t.retryAfter! * 1000 - 1);
      }
      expect(throttled.length).toBeGreaterThan(0);
      // 400 requests at 300 a minute cannot take less than a minute of (simulated) time.
      const seconds = (clock - started) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(60);
      const figures: LoadFigures = {
        connectors: 200,
        requests: load.length,
        throttled: throttled.length,
        uploads: uploads.length,
        simulatedSeconds: Math.round(seconds),
        maxInFlight: emulator.maxInFlight,
      };
      console.log(`load: ${JSON.stringify(figures)}`);
    } finally {
      await emulator.stop();
    }
  });
});
