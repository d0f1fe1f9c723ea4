/** pfxkit plan / pfxkit rotate FILE --connector ID...: what would change, and applying it. */
import { PfxkitError } from '../errors.js';
import { defaultStateDir, fileJournal } from '../graph/journal.js';
import { rotate, type RotateReport, type RotateResult } from '../graph/rotate.js';
import type { RotateMode } from '../rotation/plan.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { intFlag, parse, passwordOptions } from './args.js';
import { readBundleSource } from './source.js';
import { GRAPH_HELP, GRAPH_OPTIONS, graphClient } from './graph.js';
import { withPasswordHint } from './inspect.js';
import { isoSeconds, plural } from '../lib/text.js';
import { print, printJson, type Io } from './io.js';
import { PASSWORD_HELP } from './password.js';
import { parseNow } from './validate.js';

const COMMON_HELP = `  --connector ID           a connector id (repeat for several)
  --connector-name NAME    a connector display name, resolved by listing (repeat for several)
  --keyset ID              a B2C custom-policy keyset, e.g. B2C_1A_RestApiClientCertificate (the
                           B2C_1A_ prefix is added when missing; repeat for several; Graph beta)
  --create-keyset          create a keyset that does not exist yet (else GRAPH_NOT_FOUND)
  --mode auto|upload|replace
                           a keyset only ever gets uploadPkcs12 (keys are never removed; B2C uses
                           the key whose nbf passed last). For a connector: auto (default): nothing
                           when the thumbprint is already listed; PATCH
                           (replace) for a connector on Basic auth; uploadClientCertificate
                           (append) otherwise. upload: always append (refused on a Basic-auth
                           connector: only PATCH is documented for switching it). replace: PATCH
                           the whole list down to this certificate (refused for a certificate not
                           valid yet: the connector would have no active certificate until then)
  --as-is                  send the file's bytes unchanged; by default a bundle B2C refuses (AES /
                           PBES2, or a MAC other than HMAC-SHA1) is re-encoded in memory to 3DES with
                           an HMAC-SHA1 MAC, same certificates, key and password ("encoding")
  --allow-older            write a candidate that expires before the active certificate
  --now ISO                judge validity at this moment (default: now)
  --json                   print {"results": [...]} on stdout
  -h, --help               show this help`;

export const PLAN_HELP = `Usage: pfxkit plan FILE (--connector ID | --connector-name NAME | --keyset ID)... [options]

Shows what pfxkit rotate would do to each connector and policy keyset, and why. Reads only: no
write is sent.
A candidate that fails validation (pfxkit validate) is refused.

Options:
${COMMON_HELP}

${PASSWORD_HELP}

${GRAPH_HELP}

Exit codes: 0 planned; 1 the candidate is refused; 2 an error (unreadable input, Graph failure, usage).
`;

export const ROTATE_HELP = `Usage: pfxkit rotate FILE (--connector ID | --connector-name NAME | --keyset ID)... [options]

Uploads (uploadClientCertificate, appending) or replaces (PATCH, the whole list) the connector's
client certificate with the bundle in FILE, then checks that Graph's certificateList shows its
thumbprint with the same validity. For a B2C policy keyset (a custom policy's REST technical
profile: <Key Id="ClientCertificate" StorageReferenceId="B2C_1A_..."/>), uploadPkcs12 adds the
key, then the keyset is read again (thumbprint, nbf, exp) and getActiveKey says whether it is
active. Safe to rerun: a certificate already there is not written again, and an upload whose
answer was lost is looked for before it is sent again. A keyset gets a password-protected file:
a bundle with the empty password is re-encoded under a generated password that is never shown.

Which certificate is active is what Graph says after the write ("active"), never a prediction:
Graph's docs contradict each other (the newest valid upload, or the older one in their own
example; pfxkit probe finds out on your tenant). With the newest rule an upload takes over at
once (or at its notBefore, when staged); with the oldest rule the current certificate stays
active until it expires, and --mode replace switches now. A certificate not valid yet can be
staged by an upload, never by a replace.

Options:
${COMMON_HELP}
  --dry-run                plan only (the same as pfxkit plan)
  --require-active         fail (exit 1) when Graph does not show the certificate active afterwards
  --concurrency N          targets handled at once (default 4)
  --lock-wait SECONDS      how long to wait for another pfxkit run rotating the same target
                           (default 120), then stop with GRAPH_UNAVAILABLE

One upload per certificate per target, whatever runs at once on this machine: each connector or
keyset is locked while it is rotated, and an upload whose outcome is unknown (a timeout, a lost
answer, a 5xx, a killed run) is recorded until it is settled; the target is looked up until that
upload could no longer land (at once and after 1, 2, 4 ... s; for a post with no answer, or a
gateway's 502/504, a minute after it) before it is posted again, by this run or the next. Locks and records live in
PFXKIT_STATE_DIR (default $XDG_STATE_HOME/pfxkit or ~/.local/state/pfxkit); they hold no secret.
A thumbprint Graph lists more than once anyway is counted in "duplicates", with a warning.

${PASSWORD_HELP}

${GRAPH_HELP}

A failed target's error is in its result and on stderr as "pfxkit: CODE: connector ID: message"
(or "keyset ID").
Exit codes: 0 every target done and verified; 1 a refusal, a failed verification or an inactive
certificate with --require-active; 2 an error (unreadable input, Graph failure, usage).
`;

function parseMode(v: unknown): RotateMode {
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'upload' || v === 'replace') return v;
  throw new PfxkitError('USAGE', `--mode takes auto, upload or replace, not "${String(v)}"`);
}

function heading(r: RotateResult): string {
  if (r.error?.code === 'REFUSED') return 'refused';
  if (r.error) return `${r.action === 'none' ? '' : `${r.action}, `}failed (${r.error.code})`;
  return r.dryRun && r.action !== 'none' ? `would ${r.action}` : r.action;
}

function formatResult(r: RotateResult): string {
  const c = r.connector;
  const name = !c ? `keyset ${r.keyset?.id ?? '?'}` : c.displayName && c.displayName !== c.id ? `${c.displayName} (${c.id})` : c.id;
  const lines = [`${name}: ${heading(r)}`, `  ${r.reason}`];
  if (r.certificate) lines.push(`  certificate ${r.certificate.thumbprint}, ${isoSeconds(r.certificate.notBefore)} to ${isoSeconds(r.certificate.notAfter)}`);
  if (r.action !== 'none')
    lines.push(`  ${r.dryRun ? 'would send' : 'sent'} ${r.encoding === 'compat' ? 're-encoded in memory to 3DES with an HMAC-SHA1 MAC (the form B2C accepts)' : "the file's bytes as they are"}`);
  if (!r.dryRun && !r.error) {
    const active = r.certificateList.find((e) => e.isActive);
    lines.push(`  verified ${r.verified ? 'yes' : 'no'}, active ${r.active === null ? 'unknown' : r.active ? 'yes' : 'no'} (${r.keyset ? 'getActiveKey' : "Graph's isActive"})`);
    lines.push(`  now ${plural(r.certificateList.length, 'certificate')} on the ${r.keyset ? 'keyset' : 'connector'}; active: ${active ? active.thumbprint : 'none'}`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (r.error && r.error.code !== 'REFUSED') lines.push(`  error ${r.error.code}: ${r.error.message}`);
  if (r.error?.code === 'REFUSED') lines.push('  refused: nothing was written');
  return lines.join('\n');
}

export function formatReport(report: RotateReport): string {
  return report.results.map(formatResult).join('\n\n');
}

async function run(args: string[], io: Io, command: 'plan' | 'rotate'): Promise<number> {
  const parsed = parse(args, {
    ...passwordOptions(),
    ...GRAPH_OPTIONS,
    connector: { type: 'string', multiple: true },
    'connector-name': { type: 'string', multiple: true },
    keyset: { type: 'string', multiple: true },
    'create-keyset': { type: 'boolean' },
    mode: { type: 'string' },
    'allow-older': { type: 'boolean' },
    'as-is': { type: 'boolean' },
    now: { type: 'string' },
    ...(command === 'rotate' ? { 'dry-run': { type: 'boolean' }, 'require-active': { type: 'boolean' }, concurrency: { type: 'string' }, 'lock-wait': { type: 'string' } } : {}),
  });
  const v = parsed.values;
  if (v.help) {
    print(io, command === 'plan' ? PLAN_HELP : ROTATE_HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new PfxkitError('USAGE', `${command} takes one FILE (see pfxkit ${command} --help)`);
  const connectors = (v.connector as string[] | undefined) ?? [];
  const connectorNames = (v['connector-name'] as string[] | undefined) ?? [];
  const keysets = (v.keyset as string[] | undefined) ?? [];
  if (connectors.length + connectorNames.length + keysets.length === 0) throw new PfxkitError('USAGE', `${command} needs --connector ID, --connector-name NAME or --keyset ID`);
  const mode = parseMode(v.mode);
  const now = parseNow(v.now, io.now());
  const concurrency = intFlag(v.concurrency, 'concurrency', 1);
  const lockWait = intFlag(v['lock-wait'], 'lock-wait');
  const file = parsed.positionals[0]!;
  const { data: pkcs12, password } = await readBundleSource(file, io, parsed);
  const bundle = await readPkcs12(pkcs12, { password }).catch((err: unknown) => {
    throw withPasswordHint(err, password);
  });
  const http = await graphClient(parsed, io, { connectors: connectors.length + connectorNames.length > 0 });
  const report = await rotate({
    http,
    bundle,
    pkcs12,
    password: password ?? '',
    connectors,
    connectorNames,
    keysets,
    createKeysets: v['create-keyset'] === true,
    mode,
    now,
    dryRun: command === 'plan' || v['dry-run'] === true,
    requireActive: v['require-active'] === true,
    allowOlder: v['allow-older'] === true,
    asIs: v['as-is'] === true,
    concurrency,
    journal: fileJournal(defaultStateDir(io.env)),
    lockWaitMs: lockWait === undefined ? undefined : lockWait * 1000,
    log: (line) => io.stderr.write(`pfxkit: ${line}\n`),
  });
  // A failed target's error goes to stderr too, whatever the output format.
  for (const r of report.results) if (r.error) io.stderr.write(`pfxkit: ${r.error.code}: ${r.keyset ? 'keyset' : 'connector'} ${(r.connector ?? r.keyset)?.id ?? '?'}: ${r.error.message}\n`);
  if (v.json) printJson(io, { results: report.results });
  else print(io, formatReport(report));
  return report.exitCode;
}

export const planCommand = (args: string[], io: Io): Promise<number> => run(args, io, 'plan');
export const rotateCommand = (args: string[], io: Io): Promise<number> => run(args, io, 'rotate');
