/** Limits applied while reading untrusted PKCS#12 input. */
export interface Limits {
  /** The highest iteration count accepted in any KDF; refused before any derivation. */
  readonly maxIterations: number;
}

/** SPEC.md: 10,000,000 unless configured. */
export const DEFAULT_MAX_ITERATIONS = 10_000_000;
