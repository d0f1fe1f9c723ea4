/** pfxkit validate FILE: the pre-upload checks, with findings and exit codes 0/1/2. */
import { PfxkitError } from '../errors.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { validateBundle } from '../validate/validate.js';
import type { ValidationResult } from '../validate/types.js';
import { intFlag, parse, passwordOptions } from './args.js';
import { readBundleSource } from './source.js';
import { withPasswordHint } from './inspect.js';
import { isoSeconds } from '../lib/text.js';
import { print, printJson, type Io } from './io.js';
import { PASSWORD_HELP } from './password.js';

export const VALIDATE_HELP = `Usage: pfxkit validate FILE [--now ISO] [--min-days N] [options]

Checks a PKCS#12 bundle before it is handed to Graph: the certificate, its key, its dates and
how the bundle is encoded. Every finding has a code, a severity and what to do about it.

Options:
  --now ISO                judge validity at this moment (default: now), e.g. 2027-01-01T00:00:00Z
  --min-days N             EXPIRES_SOON when fewer than N days are left (default 30)
  --max-validity-days N    LONG_VALIDITY when the lifetime is over N days (default 825)
  --max-iterations N       refuse key-derivation iteration counts above N (default 10000000)
  --json                   print {"ok", "leaf", "findings"} on stdout
  -h, --help               show this help

${PASSWORD_HELP}

Findings (error: ok is false and the exit code 1):
  EXPIRED, NOT_YET_VALID, NO_PRIVATE_KEY, NO_CERTIFICATE, KEY_MISMATCH, MULTIPLE_KEYS      error
  EXPIRES_SOON, WEAK_KEY, WEAK_SIGNATURE, NO_INTEGRITY, KEY_UNENCRYPTED, NO_CLIENT_AUTH_EKU,
  KEY_USAGE, CA_CERTIFICATE, LONG_VALIDITY, ENCRYPTION_COMPAT, WEAK_ENCRYPTION               warning
  CHAIN_INCOMPLETE, NO_CLIENT_AUTH_EKU (no EKU at all), CA_CERTIFICATE (self-signed)         info

Exit codes: 0 no error finding; 1 an error finding; 2 the bundle could not be read.

Example (CI, before an upload):
  pfxkit validate client.pfx --password-env PFX_PASSWORD --min-days 30 || exit 1
`;

export function parseNow(value: unknown, fallback: Date): Date {
  if (value === undefined) return fallback;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new PfxkitError('USAGE', `--now takes an ISO 8601 date such as 2027-01-01T00:00:00Z, not "${String(value)}"`);
  return d;
}

export function formatValidation(file: string, r: ValidationResult): string {
  const errors = r.findings.filter((x) => x.severity === 'error').length;
  const head = r.ok ? 'OK' : `FAILED (${errors} error${errors === 1 ? '' : 's'})`;
  const lines = [`${file}: ${head}`];
  if (r.leaf) lines.push(`  leaf ${r.leaf.subject}, thumbprint ${r.leaf.thumbprint}, valid ${isoSeconds(r.leaf.notBefore)} to ${isoSeconds(r.leaf.notAfter)}`);
  for (const x of r.findings) lines.push(`  ${x.severity.padEnd(8)} ${x.code}: ${x.message}`);
  if (r.findings.length === 0) lines.push('  no findings');
  return lines.join('\n');
}

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, {
    ...passwordOptions(),
    now: { type: 'string' },
    'min-days': { type: 'string' },
    'max-validity-days': { type: 'string' },
    'max-iterations': { type: 'string' },
  });
  if (parsed.values.help) {
    print(io, VALIDATE_HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new PfxkitError('USAGE', 'validate takes one FILE (see pfxkit validate --help)');
  const file = parsed.positionals[0]!;
  const now = parseNow(parsed.values.now, io.now());
  const minDays = intFlag(parsed.values['min-days'], 'min-days');
  const maxValidityDays = intFlag(parsed.values['max-validity-days'], 'max-validity-days');
  const maxIterations = intFlag(parsed.values['max-iterations'], 'max-iterations', 1);
  const { data, password } = await readBundleSource(file, io, parsed);
  const bundle = await readPkcs12(data, { password, maxIterations }).catch((err: unknown) => {
    throw withPasswordHint(err, password);
  });
  const result = validateBundle(bundle, { now, minDays, maxValidityDays });
  if (parsed.values.json) printJson(io, result);
  else print(io, formatValidation(file, result));
  return result.ok ? 0 : 1;
}
