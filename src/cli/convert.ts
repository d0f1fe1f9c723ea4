/** pfxkit convert FILE --out OUT: re-encodes a bundle (profile, password), atomically. */
import { PfxkitError } from '../errors.js';
import { convertPkcs12 } from '../pkcs12/convert.js';
import type { WriteProfile } from '../pkcs12/write.js';
import { intFlag, parse, passwordOptions, type Parsed } from './args.js';
import { checkWritable, samePath, writeFileAtomic } from '../io/files.js';
import { readBundleSource } from './source.js';
import { withPasswordHint } from './inspect.js';
import { print, printJson, type Io } from './io.js';
import { PASSWORD_HELP, resolvePassword } from './password.js';

export const CONVERT_HELP = `Usage: pfxkit convert FILE --out OUT [--profile compat|modern] [options]

Re-encodes a PKCS#12 bundle: the same certificates, keys, friendlyName and localKeyId, with
another encryption profile and/or password. The input is never touched; OUT is written
atomically (a temporary file, then a rename) and only after the new bytes were read back.

Profiles:
  compat   3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) and an HMAC-SHA1 MAC, 2048 iterations: what
           Azure AD B2C accepts (it is reported to refuse AES-encrypted bundles). The default.
  modern   PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC, 600000 iterations.

Options:
  --out OUT                the new bundle (required); refused if it exists, unless --force
  --profile compat|modern  see above (default compat)
  --iterations N           key-derivation iterations of the new bundle (default per profile)
  --force                  replace OUT if it exists
  --max-iterations N       refuse input iteration counts above N (default 10000000)
  --json                   print what was written on stdout
  -h, --help               show this help

${PASSWORD_HELP}

Password of the new bundle: --new-password-env NAME | --new-password-file PATH |
  --new-password-stdin; by default the input's password ("" when it had none).

Example (an OpenSSL 3 export that B2C answers AADB2C90213 to):
  pfxkit convert client.pfx --out client-b2c.pfx --password-env PFX_PASSWORD
`;

export function parseProfile(value: unknown): WriteProfile {
  if (value === undefined) return 'compat';
  if (value === 'compat' || value === 'modern') return value;
  throw new PfxkitError('USAGE', `--profile takes compat or modern, not "${String(value)}"`);
}

/** Both passwords cannot come from standard input. */
export function checkStdinOnce(parsed: Parsed): void {
  if (parsed.values['password-stdin'] && parsed.values['new-password-stdin']) {
    throw new PfxkitError('USAGE', 'only one password can come from standard input');
  }
}

export async function convertCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, {
    ...passwordOptions(),
    ...passwordOptions('new-'),
    out: { type: 'string' },
    profile: { type: 'string' },
    iterations: { type: 'string' },
    force: { type: 'boolean' },
    'max-iterations': { type: 'string' },
  });
  if (parsed.values.help) {
    print(io, CONVERT_HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new PfxkitError('USAGE', 'convert takes one FILE (see pfxkit convert --help)');
  const file = parsed.positionals[0]!;
  const out = parsed.values.out;
  if (typeof out !== 'string' || out === '') throw new PfxkitError('USAGE', 'convert needs --out OUT');
  if (file !== '-' && (await samePath(file, out))) throw new PfxkitError('USAGE', 'OUT is the input file: convert never touches its input; choose another --out');
  const profile = parseProfile(parsed.values.profile);
  const iterations = intFlag(parsed.values.iterations, 'iterations', 1);
  const maxIterations = intFlag(parsed.values['max-iterations'], 'max-iterations', 1);
  checkStdinOnce(parsed);
  await checkWritable([out], parsed.values.force === true);
  const { data, password } = await readBundleSource(file, io, parsed);
  const newPassword = await resolvePassword(parsed, io, 'new-', null);
  const converted = await convertPkcs12(data, { password, newPassword, profile, iterations, maxIterations }).catch((err: unknown) => {
    throw withPasswordHint(err, password);
  });
  await writeFileAtomic(out, converted.pkcs12, { force: parsed.values.force === true });
  const b = converted.bundle;
  if (parsed.values.json) {
    printJson(io, { path: out, profile, leaf: b.leaf, certificates: b.certificates.length, privateKeys: b.privateKeys, integrity: b.integrity, encryption: b.encryption });
  } else {
    print(io, `wrote ${out} (${profile}): ${b.certificates.length} certificate(s), ${b.privateKeys} private key(s), leaf ${b.leaf ?? 'none'}\n  ${b.encryption.join('\n  ')}`);
  }
  return 0;
}
