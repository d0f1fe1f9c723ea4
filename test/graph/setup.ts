// Shared set-up for adapter tests: an emulator on 127.0.0.1, bundles minted for the occasion,
// and an HTTP client whose sleeper records instead of waiting.
import { createClientBundle, readPkcs12, type Pkcs12Bundle } from '../../src/index.js';
import { GraphEmulator, type EmulatorOptions } from '../../src/emulator/server.js';
import { GraphHttp } from '../../src/graph/http.js';
import { staticToken } from '../../src/graph/credentials.js';

export interface Candidate {
  pkcs12: Uint8Array;
  bundle: Pkcs12Bundle;
  password: string;
  thumbprint: string;
}

const DAY = 86_400_000;
export const NOW = new Date('2027-02-01T00:00:00Z');

/** A compat bundle minted `startDaysAgo` days before NOW, valid for `days`. */
export async function candidate(subject: string, opts: { startDaysAgo?: number; days?: number; password?: string; profile?: 'compat' | 'modern' } = {}): Promise<Candidate> {
  const password = opts.password ?? 'cand-pass';
  const created = await createClientBundle({
    subject,
    now: new Date(NOW.getTime() - (opts.startDaysAgo ?? 1) * DAY),
    days: opts.days ?? 365,
    password,
    key: 'ec-p256',
    profile: opts.profile,
    iterations: 2048,
  });
  const bundle = await readPkcs12(created.pkcs12, { password });
  return { pkcs12: created.pkcs12, bundle, password, thumbprint: created.certificate.thumbprint };
}

/** An emulator on NOW's fixed clock, with no request limit unless one is given (the clock never moves the window on). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<{ emulator: GraphEmulator; url: string }> {
  const emulator = new GraphEmulator({ now: () => NOW.getTime(), throttlePerMinute: 0, ...options });
  const url = await emulator.start();
  return { emulator, url };
}

export function client(url: string, token: string, sleeps: number[] = []): GraphHttp {
  return new GraphHttp({
    baseUrl: url,
    token: staticToken(token),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    timeoutMs: 5_000,
  });
}

export const basicConnector = (name: string) => ({
  displayName: name,
  targetUrl: `https://api.contoso.com/${name}`,
  authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication' as const, username: 'svc', password: 'basic-Secret-123' },
});
