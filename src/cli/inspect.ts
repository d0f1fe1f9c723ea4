/** pfxkit inspect FILE: reads a bundle and describes it. */
import { readPkcs12 } from '../pkcs12/read.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { PfxkitError } from '../errors.js';
import { intFlag, parse, passwordOptions } from './args.js';
import { readBundleSource } from './source.js';
import { isoSeconds } from '../lib/text.js';
import { print, printJson, type Io } from './io.js';
import { PASSWORD_HELP } from './password.js';

export const INSPECT_HELP = `Usage: pfxkit inspect FILE [options]

Reads a PKCS#12 bundle (.pfx/.p12 as DER, or base64 text as a Key Vault secret or Graph's
pkcs12Value holds it) and describes every certificate (leaf first, then up the chain), the
private keys, and how the bundle is protected. FILE - reads standard input; base64 may come in
JSON quotes, as \`az ... -o json\` prints it.

Options:
  --json                 print one JSON document (the contract in SPEC.md) on stdout
  --max-iterations N     refuse key-derivation iteration counts above N (default 10000000)
  -h, --help             show this help

${PASSWORD_HELP}

Exit codes: 0 read; 2 unreadable (MALFORMED, BAD_PASSWORD, UNSUPPORTED_ALGORITHM, ITERATIONS_LIMIT, USAGE).

Examples:
  pfxkit inspect client.pfx --password-env PFX_PASSWORD
  az keyvault secret show --vault-name kv --name api-cert --query value -o tsv > cert.b64
  pfxkit inspect cert.b64 --json | jq -r .leaf
  az keyvault secret show --vault-name kv --name api-cert --query value -o json | pfxkit inspect - --password-env PFX_PASSWORD
`;

function notAfterNote(now: Date, epoch: number): string {
  const d = Math.floor((epoch * 1000 - now.getTime()) / 86_400_000);
  if (epoch * 1000 <= now.getTime()) return `expired ${-d - 1 <= 0 ? 'today' : `${-d - 1} day${-d - 1 === 1 ? '' : 's'} ago`}`;
  return `expires in ${d} day${d === 1 ? '' : 's'}`;
}

export function formatBundle(file: string, b: Pkcs12Bundle, now: Date): string {
  const n = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
  const lines = [`${file}: ${n(b.certificates.length, 'certificate')}, ${n(b.privateKeys, 'private key')}`];
  const i = b.integrity;
  lines.push(
    `  integrity    ${i.kind === 'none' ? 'none (no MAC: the file is not protected against changes)' : `${i.kind === 'pbmac1' ? 'PBMAC1 ' : ''}HMAC-${i.digest!.toUpperCase()}, ${i.iterations} iterations`}`,
  );
  lines.push(`  encryption   ${b.encryption.length ? b.encryption.join('\n               ') : 'none'}`);
  b.certificates.forEach((c, idx) => {
    const tag = c.thumbprint === b.leaf ? 'leaf' : String(idx + 1);
    lines.push('', `[${tag}] ${c.subject}`);
    lines.push(`  thumbprint   ${c.thumbprint}`);
    lines.push(`  sha256       ${c.thumbprintSha256}`);
    lines.push(`  issuer       ${c.issuer}`);
    lines.push(`  serial       ${c.serialNumber}`);
    lines.push(`  not before   ${isoSeconds(c.notBefore)}  (${c.notBefore}${c.notBefore * 1000 > now.getTime() ? ', not valid yet' : ''})`);
    lines.push(`  not after    ${isoSeconds(c.notAfter)}  (${c.notAfter}, ${notAfterNote(now, c.notAfter)})`);
    lines.push(`  key          ${c.keyAlgorithm}${c.keySize ? ` ${c.keySize}` : ''}${c.hasPrivateKey ? ', private key in the bundle' : ''}`);
    if (c.friendlyName !== null) lines.push(`  name         ${c.friendlyName}`);
  });
  const orphans = b.keys.filter((k) => k.certificate === null);
  for (const k of orphans) {
    lines.push('', `[key] ${k.keyAlgorithm}${k.keySize ? ` ${k.keySize}` : ''} private key that matches no certificate in the bundle`);
  }
  return lines.join('\n');
}

/** A BAD_PASSWORD with no password given says how to give one. */
export function withPasswordHint(err: unknown, password: string | undefined): unknown {
  if (password === undefined && err instanceof PfxkitError && err.code === 'BAD_PASSWORD') {
    return new PfxkitError('BAD_PASSWORD', `${err.message} (no password was given: see --password-env, --password-file, --password-stdin)`, { cause: err });
  }
  return err;
}

export async function inspectCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, { ...passwordOptions(), 'max-iterations': { type: 'string' } });
  if (parsed.values.help) {
    print(io, INSPECT_HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new PfxkitError('USAGE', 'inspect takes one FILE (see pfxkit inspect --help)');
  const file = parsed.positionals[0]!;
  const maxIterations = intFlag(parsed.values['max-iterations'], 'max-iterations', 1);
  const { data, password } = await readBundleSource(file, io, parsed);
  const bundle = await readPkcs12(data, { password, maxIterations }).catch((err: unknown) => {
    throw withPasswordHint(err, password);
  });
  if (parsed.values.json) printJson(io, bundle);
  else print(io, formatBundle(file, bundle, io.now()));
  return 0;
}
