/** pfxkit emulator: a local Graph apiConnectors emulator, until interrupted. */
import { PfxkitError } from '../errors.js';
import { GraphEmulator } from '../emulator/server.js';
import { intFlag, parse } from './args.js';
import { print, printJson, type Io } from './io.js';

export const EMULATOR_HELP = `Usage: pfxkit emulator [--port N] [--state FILE] [options]

Runs a local HTTP server that behaves like Graph's apiConnectors (list with paging, get, create,
PATCH replacing the certificate list, uploadClientCertificate appending, delete, the active rule,
Graph's error format) on 127.0.0.1, for offline tries, demos and tests. It requires a bearer
token, printed at start, and keeps no secret (Basic passwords and pkcs12Value are dropped).

Options:
  --port N                 port to listen on (default: a free one)
  --state FILE             load connectors from FILE and save every change to it (atomically)
  --token TOKEN            the bearer token to require (default: env PFXKIT_EMULATOR_TOKEN, which
                           keeps it out of ps; else a random one)
  --page-size N            connectors per list page (default 10)
  --reject-aes             answer AADB2C90213 to AES-encrypted bundles, as B2C is reported to
  --throttle-per-minute N  answer 429 with Retry-After beyond N requests a minute
  --json                   print {"url", "token"} on stdout once listening
  -h, --help               show this help

Then, in another shell:
  export PFXKIT_GRAPH_URL=<url> PFXKIT_ACCESS_TOKEN=<token>
  pfxkit rotate client.pfx --connector <id>
`;

export async function emulatorCommand(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const parsed = parse(args, {
    port: { type: 'string' },
    state: { type: 'string' },
    token: { type: 'string' },
    'page-size': { type: 'string' },
    'reject-aes': { type: 'boolean' },
    'throttle-per-minute': { type: 'string' },
  });
  const v = parsed.values;
  if (v.help) {
    print(io, EMULATOR_HELP);
    return 0;
  }
  if (parsed.positionals.length) throw new PfxkitError('USAGE', 'emulator takes no FILE (see pfxkit emulator --help)');
  const port = intFlag(v.port, 'port');
  if (port !== undefined && port > 65535) throw new PfxkitError('USAGE', '--port takes 0 to 65535');
  const emulator = new GraphEmulator({
    port,
    statePath: typeof v.state === 'string' ? v.state : undefined,
    token: typeof v.token === 'string' ? v.token : io.env.PFXKIT_EMULATOR_TOKEN || undefined,
    pageSize: intFlag(v['page-size'], 'page-size', 1),
    rejectAes: v['reject-aes'] === true,
    throttlePerMinute: intFlag(v['throttle-per-minute'], 'throttle-per-minute', 1),
    log: (line) => io.stderr.write(`pfxkit: ${line}\n`),
  });
  let url: string;
  try {
    url = await emulator.start();
  } catch (err) {
    throw new PfxkitError('USAGE', `the emulator cannot listen: ${(err as Error).message}`, { cause: err });
  }
  if (v.json) printJson(io, { url, token: emulator.token });
  else {
    print(io, `pfxkit emulator listening on ${url}\n  export PFXKIT_GRAPH_URL=${url}\n  export PFXKIT_ACCESS_TOKEN=${emulator.token}`);
  }
  io.stderr.write('pfxkit: emulator running; Ctrl-C to stop\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.stop();
  io.stderr.write('pfxkit: emulator stopped\n');
  return 0;
}
