/** Limits applied while reading untrusted PKCS#12 input. */
export interface Limits {
  /** The highest iteration count accepted in any KDF; refused before any derivation. */
  readonly maxIterations: number;
  /** The total key derivation work of one read, in kdf.ts's workOf units (see {@link workBudget}). */
  readonly workBudget: number;
}

/** SPEC.md: 10,000,000 unless configured. */
export const DEFAULT_MAX_ITERATIONS = 10_000_000;

/** The default total work of one read, in workOf units. */
export const DEFAULT_WORK_BUDGET = 6_000_000;

/**
 * The total key derivation work one read may do, across every part, the MAC and every password
 * candidate, in kdf.ts's workOf units (about one PBKDF2-HMAC-SHA256 iteration, 0.48 µs on the
 * reference 2-core AMD EPYC; slower algorithms count more, e.g. 2.1 for a PBKDF2-HMAC-SHA512
 * iteration, 6.7 for an MD5 step). DEFAULT_WORK_BUDGET when no maxIterations is given: at most
 * about 3 s of CPU for the worst file within it (measured: README, bench/hostile.ts). An explicit
 * maxIterations raises it to as many units, never below the default. Work over it is refused
 * with ITERATIONS_LIMIT before it is done.
 */
export function workBudget(maxIterations: number | undefined): number {
  return Math.max(DEFAULT_WORK_BUDGET, maxIterations ?? 0);
}
