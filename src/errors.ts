/**
 * The stable error codes of pfxkit (SPEC.md). Callers test `err.code`, never messages.
 */
export type PfxkitErrorCode =
  | 'MALFORMED'
  | 'BAD_PASSWORD'
  | 'UNSUPPORTED_ALGORITHM'
  | 'ITERATIONS_LIMIT'
  | 'GRAPH_AUTH'
  | 'GRAPH_NOT_FOUND'
  | 'GRAPH_THROTTLED'
  | 'GRAPH_UNAVAILABLE'
  | 'GRAPH_REJECTED'
  | 'KEYVAULT_AUTH'
  | 'KEYVAULT_NOT_FOUND'
  | 'KEYVAULT_UNAVAILABLE'
  | 'VERIFY_FAILED'
  | 'USAGE';

/** Every error code, for validation and documentation. */
export const ERROR_CODES: readonly PfxkitErrorCode[] = [
  'MALFORMED',
  'BAD_PASSWORD',
  'UNSUPPORTED_ALGORITHM',
  'ITERATIONS_LIMIT',
  'GRAPH_AUTH',
  'GRAPH_NOT_FOUND',
  'GRAPH_THROTTLED',
  'GRAPH_UNAVAILABLE',
  'GRAPH_REJECTED',
  'KEYVAULT_AUTH',
  'KEYVAULT_NOT_FOUND',
  'KEYVAULT_UNAVAILABLE',
  'VERIFY_FAILED',
  'USAGE',
];

/**
 * The one error class of pfxkit. Messages never contain secrets (passwords, `pkcs12Value`,
 * private keys, tokens); the underlying error, if any, is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await readPkcs12(bytes, { password });
 * } catch (err) {
 *   if (err instanceof PfxkitError && err.code === 'BAD_PASSWORD') console.error('wrong password');
 * }
 * ```
 */
export class PfxkitError extends Error {
  readonly code: PfxkitErrorCode;
  /** The remote service's own error code (Graph's or Key Vault's `error.code`, e.g. `AADB2C90213`, `SecretNotFound`), when it gave one. */
  readonly serviceCode: string | undefined;

  constructor(code: PfxkitErrorCode, message: string, options?: { cause?: unknown; serviceCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PfxkitError';
    this.code = code;
    this.serviceCode = options?.serviceCode;
  }

  /** The JSON form used by the CLI: `{"error": {"code", "message"}}`. */
  toJSON(): { error: { code: PfxkitErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** True when `err` is a PfxkitError (optionally with one of `codes`). */
export function isPfxkitError(err: unknown, ...codes: PfxkitErrorCode[]): err is PfxkitError {
  return err instanceof PfxkitError && (codes.length === 0 || codes.includes(err.code));
}
