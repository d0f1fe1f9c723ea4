/**
 * The stable error codes of pfxkit (SPEC.md), listed once: the type is derived from the list.
 * Callers test `err.code`, never messages.
 */
export const ERROR_CODES = [
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
] as const;

export type PfxkitErrorCode = (typeof ERROR_CODES)[number];

/**
 * What a rotate result, a report line or the CLI says went wrong: an error code, `REFUSED` (a
 * rotation refused before any write: exit 1), `INTERNAL` (a bug of ours), or a finding code
 * (`NO_CERTIFICATE`, `EXPIRES_SOON`) in a report's `errors`.
 */
export interface Problem {
  code: PfxkitErrorCode | 'REFUSED' | 'INTERNAL' | 'NO_CERTIFICATE' | 'EXPIRES_SOON';
  message: string;
}

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

/**
 * Any thrown value as a PfxkitError: itself, or one with `fallback` as its code and the value as
 * its cause (a failure of a kind pfxkit did not foresee).
 */
export function toPfxkitError(err: unknown, fallback: PfxkitErrorCode): PfxkitError {
  return err instanceof PfxkitError ? err : new PfxkitError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
}
