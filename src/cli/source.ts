/**
 * A command's bundle FILE: a path, `-` for standard input (a pipe: `az ... -o tsv | pfxkit inspect -`),
 * or a Key Vault secret or certificate URL (SPEC.md "Sources"). The Key Vault client is loaded only
 * when FILE is a URL.
 */
import { PfxkitError } from '../errors.js';
import { MAX_INPUT_BYTES, readInput, readStreamBounded } from '../io/files.js';
import type { KeyVaultBundle } from '../sources/keyvault.js';
import { looksLikeUrl, parseKeyVaultUrl } from '../sources/url.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';
import { resolvePassword } from './password.js';

const readStdin = (stdin: NodeJS.ReadableStream): Promise<Uint8Array> =>
  readStreamBounded(stdin, MAX_INPUT_BYTES, () => new PfxkitError('MALFORMED', `standard input is over ${MAX_INPUT_BYTES} bytes: too large for a PKCS#12 bundle`));

/** The bytes of a bundle input; for a Key Vault source, also what was read (its password is the empty one). */
export type BundleInput = Uint8Array & { readonly keyVault?: KeyVaultBundle };

/** What a command needs from its FILE: the bytes and the password to open them with. */
export interface BundleSource {
  data: BundleInput;
  /** The empty password for a Key Vault source; else the command's --password-* / PFXKIT_PASSWORD, or undefined. */
  password: string | undefined;
  /** The Key Vault read, or null for a file or standard input. */
  keyVault: KeyVaultBundle | null;
}

const PASSWORD_FLAG = /(^|-)password-(env|file|stdin)$/;

/** Password options of the bundle itself (not --auth-password-*, not --new-password-*). */
function bundlePasswordFlags(parsed: Parsed): string[] {
  return Object.entries(parsed.values)
    .filter(([flag, v]) => PASSWORD_FLAG.test(flag) && !flag.startsWith('auth-') && !flag.startsWith('new-') && v !== undefined && v !== false)
    .map(([flag]) => `--${flag}`);
}

async function readKeyVault(url: string, io: Io, parsed: Parsed): Promise<BundleInput> {
  const flags = bundlePasswordFlags(parsed);
  if (flags.length) {
    throw new PfxkitError('USAGE', `a Key Vault download has no password (the empty one): drop ${flags.join(', ')} for ${url}`);
  }
  const ref = parseKeyVaultUrl(url);
  const [{ readKeyVaultBundle }, { keyVaultOptions }] = await Promise.all([import('../sources/keyvault.js'), import('./keyvault.js')]);
  const kv = await readKeyVaultBundle(url, await keyVaultOptions(ref, parsed, io));
  const data = kv.pkcs12 as BundleInput;
  Object.defineProperty(data, 'keyVault', { value: kv, enumerable: false });
  return data;
}

/**
 * The bytes of FILE, of standard input for `-` (which then cannot also carry the password), or of
 * a Key Vault secret/certificate URL (whose bundle password options are refused: USAGE).
 */
async function readBundleInput(file: string, io: Io, parsed: Parsed): Promise<BundleInput> {
  if (looksLikeUrl(file)) return readKeyVault(file, io, parsed);
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
  if (looksLikeUrl(file)) {
    const data = await readKeyVault(file, io, parsed);
    return { data, password: '', keyVault: data.keyVault ?? null };
  }
  const data = await readBundleInput(file, io, parsed);
  return { data, password: await resolvePassword(parsed, io), keyVault: null };
}
