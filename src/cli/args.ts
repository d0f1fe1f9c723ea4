/** Flag parsing on node:util parseArgs, with every mistake a USAGE error. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PfxkitError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON: Options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The password options of SPEC.md (`prefix` gives `--new-password-env` etc.). */
export function passwordOptions(prefix = ''): Options {
  return {
    [`${prefix}password-env`]: { type: 'string' },
    [`${prefix}password-file`]: { type: 'string' },
    [`${prefix}password-stdin`]: { type: 'boolean' },
  };
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new PfxkitError('USAGE', msg, { cause: err });
  }
}

/** A non-negative integer flag value. */
export function intFlag(value: unknown, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new PfxkitError('USAGE', `--${name} takes a whole number${min > 0 ? ` of at least ${min}` : ''}`);
  }
  return n;
}
