/** pfxkit probe: what Graph does where its docs are silent or contradict each other, on this tenant. */
import { PfxkitError } from '../errors.js';
import { probeGraph, type ProbeResult } from '../graph/probe.js';
import { parse } from './args.js';
import { GRAPH_HELP, GRAPH_OPTIONS, graphClient } from './graph.js';
import { print, printJson, type Io } from './io.js';

export const PROBE_HELP = `Usage: pfxkit probe [--json] [Graph access options]

Finds out, on your tenant, what Graph's docs leave open, with a scratch API connector (display
name pfxkit-probe-..., target https://pfxkit-probe.invalid/) and three throwaway certificates
minted for it. It writes to nothing else, and deletes the scratch connector at the end, also
after a failed step or Ctrl-C. About a dozen requests.

  activeRule        which of two valid certificates Graph shows active: newest (the later upload:
                    an upload rotation takes over at once) or oldest (the earlier one stays
                    active until it expires: rotate with --mode replace to switch now), or other
  acceptsAes        whether an AES-encrypted bundle with the right password is taken (B2C
                    documents AADB2C90213 for it; pfxkit rotate re-encodes such files anyway)
  basicUpload       what uploadClientCertificate does to a Basic-auth connector: reject, or
                    convert (switch it to certificates); pfxkit uses PATCH, the documented way
  acceptsDuplicate  whether the same certificate can be uploaded twice
  epochsExact       whether Graph's notBefore/notAfter are the certificate's, to the second

The --json document is what pfxkit emulator --rules FILE takes, so that offline tries behave as
your tenant does.

Options:
  --json                   print the findings as one JSON document on stdout
  -h, --help               show this help

${GRAPH_HELP}

Exit codes: 0 probed and cleaned up; 2 an error (the message says whether the scratch connector
was deleted).
`;

const MEANING: { [K in keyof Omit<ProbeResult, 'connector'>]: (v: ProbeResult[K]) => string } = {
  activeRule: (v) =>
    v === 'newest'
      ? 'the later upload is active: an upload rotation takes over at once'
      : v === 'oldest'
        ? 'the earlier certificate stays active until it expires: use --mode replace to switch at once'
        : 'neither reading: check active with pfxkit report after each rotation',
  acceptsAes: (v) => (v ? 'an AES-encrypted bundle was taken' : 'an AES-encrypted bundle was refused (pfxkit rotate re-encodes such files)'),
  basicUpload: (v) => (v === 'convert' ? 'an upload switched a Basic-auth connector to certificates' : 'an upload to a Basic-auth connector was refused (pfxkit uses PATCH there)'),
  acceptsDuplicate: (v) => (v ? 'the same certificate can be uploaded twice: keep rotations from overlapping' : 'a second upload of the same certificate was refused'),
  epochsExact: (v) => (v ? "Graph's epochs are the certificate's" : "Graph's epochs differ from the certificate's"),
};

function formatProbe(r: ProbeResult): string {
  const lines = (Object.keys(MEANING) as (keyof typeof MEANING)[]).map((k) => `${k.padEnd(17)} ${String(r[k]).padEnd(7)} ${(MEANING[k] as (v: unknown) => string)(r[k])}`);
  lines.push(`scratch connector ${r.connector.id} ${r.connector.deleted ? 'deleted' : 'NOT deleted: delete it by hand'}`);
  return lines.join('\n');
}

export async function probeCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, { ...GRAPH_OPTIONS });
  if (parsed.values.help) {
    print(io, PROBE_HELP);
    return 0;
  }
  if (parsed.positionals.length) throw new PfxkitError('USAGE', 'probe takes no FILE (see pfxkit probe --help)');
  const http = await graphClient(parsed, io);
  // Ctrl-C stops between steps and still deletes the scratch connector; a second one kills.
  const abort = new AbortController();
  const onSignal = (): void => {
    io.stderr.write('pfxkit: interrupted: deleting the scratch connector (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await probeGraph({ http, now: io.now(), signal: abort.signal, log: (line) => io.stderr.write(`pfxkit: ${line}\n`) });
    if (parsed.values.json) printJson(io, result);
    else print(io, formatProbe(result));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
