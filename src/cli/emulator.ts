/** pfxkit emulator: a local Graph apiConnectors emulator, until interrupted. */
import { readFile } from 'node:fs/promises';
import { PfxkitError } from '../errors.js';
import { GraphEmulator, rulesFromProbe, type EmulatorOptions } from '../emulator/server.js';
import { intFlag, parse } from './args.js';
import { print, printJson, type Io } from './io.js';

export const EMULATOR_HELP = `Usage: pfxkit emulator [--port N] [--state FILE] [--rules FILE] [options]

Runs a local HTTP server that behaves like Graph's apiConnectors (list with paging, get, create,
PATCH replacing the certificate list, uploadClientCertificate appending, delete) and, under /beta,
B2C policy keysets (list, get, create, delete, uploadPkcs12, getActiveKey: the key whose nbf
passed last), with Graph's error format, on 127.0.0.1, for offline tries, demos and tests. It
requires a bearer token, printed at start, and keeps no secret (Basic passwords, pkcs12Value and
keys' passwords are dropped; --state holds connectors and keysets).

By default it follows what Graph and B2C document: AES-encrypted bundles are answered with
AADB2C90213 "The certificate password provided in request is incorrect", "password" is required
on an upload, paths match case-insensitively, @odata.type may omit its "#", and more than 200
requests a minute get 429 with Retry-After. What the docs leave open is a rule: set it with the
flags below, or with --rules FILE, the document pfxkit probe --json prints for a real tenant.

Options:
  --port N                 port to listen on (default: a free one)
  --state FILE             load connectors from FILE and save every change to it (atomically)
  --rules FILE             the rules below from a pfxkit probe --json document
  --active-rule newest|oldest
                           which valid certificate is active: the most recent upload (default,
                           the docs' text) or the oldest (the docs' own example)
  --basic-upload reject|convert
                           an upload to a Basic-auth connector: 400 (default) or switch it
  --reject-duplicates      answer 400 to an upload of a certificate already listed
  --accept-aes             accept AES-encrypted bundles (B2C documents that it does not)
  --token TOKEN            the bearer token to require (default: env PFXKIT_EMULATOR_TOKEN, which
                           keeps it out of ps; else a random one)
  --page-size N            connectors per list page (default 10)
  --throttle-per-minute N  answer 429 beyond N requests a minute (default 200; 0: no limit)
  --json                   print {"url", "token"} on stdout once listening
  -h, --help               show this help

Then, in another shell:
  export PFXKIT_GRAPH_URL=<url> PFXKIT_ACCESS_TOKEN=<token>
  pfxkit rotate client.pfx --connector <id>
`;

const choice = <T extends string>(value: unknown, flag: string, allowed: readonly T[]): T | undefined => {
  if (value === undefined) return undefined;
  if (allowed.includes(value as T)) return value as T;
  throw new PfxkitError('USAGE', `--${flag} takes ${allowed.join(' or ')}, not "${String(value)}"`);
};

/** The Graph rules: from --rules FILE, then each flag given on top. */
async function rules(v: Record<string, unknown>): Promise<Partial<EmulatorOptions>> {
  let out: Partial<EmulatorOptions> = {};
  if (typeof v.rules === 'string') {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(v.rules, 'utf8'));
    } catch (err) {
      throw new PfxkitError('USAGE', `--rules ${v.rules}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a JSON document'}`, { cause: err });
    }
    out = rulesFromProbe(doc);
  }
  const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('activeRule', choice(v['active-rule'], 'active-rule', ['newest', 'oldest'] as const));
  set('basicUpload', choice(v['basic-upload'], 'basic-upload', ['reject', 'convert'] as const));
  if (v['reject-duplicates']) out.acceptDuplicate = false;
  if (v['accept-aes']) out.acceptAes = true;
  if (v['reject-aes']) out.acceptAes = false;
  return out;
}

export async function emulatorCommand(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const parsed = parse(args, {
    port: { type: 'string' },
    state: { type: 'string' },
    token: { type: 'string' },
    'page-size': { type: 'string' },
    rules: { type: 'string' },
    'active-rule': { type: 'string' },
    'basic-upload': { type: 'string' },
    'reject-duplicates': { type: 'boolean' },
    'accept-aes': { type: 'boolean' },
    // The default since AES is refused by default; still accepted so that old scripts run.
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
  if (v['accept-aes'] && v['reject-aes']) throw new PfxkitError('USAGE', 'give one of --accept-aes and --reject-aes');
  const emulator = new GraphEmulator({
    port,
    statePath: typeof v.state === 'string' ? v.state : undefined,
    token: typeof v.token === 'string' ? v.token : io.env.PFXKIT_EMULATOR_TOKEN || undefined,
    pageSize: intFlag(v['page-size'], 'page-size', 1),
    throttlePerMinute: intFlag(v['throttle-per-minute'], 'throttle-per-minute'),
    ...(await rules(v)),
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
  let stop = (): void => undefined;
  await new Promise<void>((resolve) => {
    stop = resolve;
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await emulator.stop();
  io.stderr.write('pfxkit: emulator stopped\n');
  return 0;
}
