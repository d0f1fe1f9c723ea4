/**
 * Limits applied while reading untrusted PKCS#12 input (issue 15): the highest iteration count,
 * one budget of key derivation work for the whole read, and the declared cost of parsing (what
 * the reader tells lib/pace.ts before it parses, so that a huge file shares the event loop).
 */
import { PfxkitError } from '../errors.js';
import { workOf, type KdfRequest } from './kdf.js';

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

/** The limits of readPkcs12's options; USAGE when maxIterations is not a positive integer. */
export function limitsOf(maxIterations: number | undefined): Limits {
  const max = maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isSafeInteger(max) || max < 1) throw new PfxkitError('USAGE', 'maxIterations must be a positive integer');
  return { maxIterations: max, workBudget: workBudget(maxIterations) };
}

const unitsOf = (reqs: readonly KdfRequest[]): number => reqs.reduce((sum, r) => sum + workOf(r), 0);
const round = (units: number): string => Math.ceil(units).toLocaleString('en-US');

/** The read's one budget of key derivation work, spent before each derivation. */
export class Budget {
  private spent = 0;
  constructor(private readonly budget: number) {}

  /** Counts the work of these derivations, about to be done; ITERATIONS_LIMIT, before it is done, when it does not fit. */
  spend(reqs: readonly KdfRequest[]): void {
    const units = unitsOf(reqs);
    if (this.spent + units > this.budget) this.refuse(this.spent + units);
    this.spent += units;
  }

  /** Refuses up front when the least work the file needs (these derivations) is already over the budget. */
  check(least: readonly KdfRequest[]): void {
    const units = unitsOf(least);
    if (units > this.budget) this.refuse(units);
  }

  private refuse(units: number): never {
    throw new PfxkitError(
      'ITERATIONS_LIMIT',
      `key derivation work of ${round(units)} units (iterations weighted by algorithm, all parts and passwords tried) is over the budget of ${round(this.budget)} (raise maxIterations only for a file you trust)`,
    );
  }
}

/**
 * Declared work (lib/pace.ts units) of parsing: a fixed part (a read of a small file costs about
 * 1 ms beyond its key derivations), then a unit for every 8 bytes (certificate parsing measured
 * 54 µs for 906 bytes).
 */
export const parseUnits = (bytes: number): number => 2000 + Math.ceil(bytes / 8);

/** The same for one bag or certificate among many: a small fixed part, a unit for every 8 bytes. */
export const bagUnits = (bytes: number): number => 20 + Math.ceil(bytes / 8);
