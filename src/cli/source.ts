/**
 * A command's bundle FILE: a path, `-` for standard input (a pipe: `az ... -o tsv | pfxkit inspect -`),
 * or a Key Vault secret or certificate URL (SPEC.md "Sources"). The Key Vault client is loaded only
 * when FILE is a URL.
 */
import { PfxkitError } from '../errors.js';
import { MAX_INPUT_BYTES, readInput, readStreamBounded } from '../io/files.js';
import { looksLikeUrl, parseKeyVaultUrl } from '../sources/url.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';
import { resolvePassword } from './password.js';

const readStdin = (stdin: NodeJS.ReadableStream): Promise<Uint8Array> =>
  readStreamBounded(stdin, MAX_INPUT_BYTES, () => new PfxkitError('MALFORMED', `standard input is over ${MAX_INPUT_BYTES} bytes: too large for a PKCS#12 bundle`));

/** What a command needs from its FILE: the bytes and the password to open them with. */
export interface BundleSource {
  data: Uint8Array;
  /** The empty password for a Key Vault source; else the command's --password-* / PFXKIT_PASSWORD, or undefined. */
  password: string | undefined;
}

const PASSWORD_FLAG = /(^|-)password-(env|file|stdin)$/;

/** Password options of the bundle itself (not --auth-password-*, not --new-password-*). */
function bundlePasswordFlags(parsed: Parsed): string[] {
  return Object.entries(parsed.values)
    .filter(([flag, v]) => PASSWORD_FLAG.test(flag) && !flag.startsWith('auth-') && !flag.startsWith('new-') && v !== undefined && v !== false)
    .map(([flag]) => `--${flag}`);
}

/** A Key Vault secret or certificate URL's bundle (whose bundle password options are refused: USAGE). */
async function readKeyVault(url: string, io: Io, parsed: Parsed): Promise<Uint8Array> {
  const flags = bundlePasswordFlags(parsed);
  if (flags.length) {
    throw new PfxkitError('USAGE', `a Key Vault download has no password (the empty one): drop ${flags.join(', ')} for ${url}`);
  }
  const ref = parseKeyVaultUrl(url);
  const [{ readKeyVaultBundle }, { keyVaultOptions }] = await Promise.all([import('../sources/keyvault.js'), import('./keyvault.js')]);
  return (await readKeyVaultBundle(url, await keyVaultOptions(ref, parsed, io))).pkcs12;
}

/** The bytes of FILE, or of standard input for `-` (which then cannot also carry the password). */
async function readFileOrStdin(file: string, io: Io, parsed: Parsed): Promise<Uint8Array> {
  if (file !== '-') return readInput(file);
  if (Object.entries(parsed.values).some(([flag, v]) => flag.endsWith('password-stdin') && v === true)) {
    throw new PfxkitError('USAGE', 'standard input cannot carry both the bundle (-) and the password (--password-stdin): use --password-env or --password-file');
  }
  return readStdin(io.stdin);
}

/**
 * The bundle of FILE and the password to open it with: for a Key Vault URL the empty one (no
 * prompt, PFXKIT_PASSWORD not used), else the command's password options as usual.
 *
 * @example
 * ```ts
 * const { data, password } = await readBundleSource(file, io, parsed);
 * const bundle = await readPkcs12(data, { password });
 * ```
 */
export async function readBundleSource(file: string, io: Io, parsed: Parsed): Promise<BundleSource> {
  if (looksLikeUrl(file)) return { data: await readKeyVault(file, io, parsed), password: '' };
  const data = await readFileOrStdin(file, io, parsed);
  return { data, password: await resolvePassword(parsed, io) };
}
