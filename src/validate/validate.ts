/** validateBundle: the pre-upload checks of SPEC.md, as a list of findings. */
import { PfxkitError } from '../errors.js';
import { parseCertificate } from '../cert/facts.js';
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import { RULES, type RuleContext } from './rules.js';
import type { ValidateOptions, ValidationResult } from './types.js';

/**
 * Checks a bundle before it is uploaded to Graph: one rule per finding code, run in order. `ok` is
 * false when any finding is an error. Pass `now` (the pure layer reads no clock of its own; the
 * default is the current time).
 *
 * @example
 * ```ts
 * const bundle = await readPkcs12(bytes, { password });
 * const result = validateBundle(bundle, { now: new Date(), minDays: 30 });
 * if (!result.ok) console.error(result.findings.filter((f) => f.severity === 'error'));
 * ```
 */
export function validateBundle(bundle: Pkcs12Bundle, options: ValidateOptions = {}): ValidationResult {
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new PfxkitError('USAGE', 'now is not a valid date');
  const minDays = options.minDays ?? 30;
  const maxValidityDays = options.maxValidityDays ?? 825;
  for (const [name, v] of [
    ['minDays', minDays],
    ['maxValidityDays', maxValidityDays],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new PfxkitError('USAGE', `${name} must be a number of days, 0 or more`);
  }
  const leaf = bundle.leaf === null ? null : (bundle.certificates.find((c) => c.thumbprint === bundle.leaf) ?? null);
  const leafDer = leaf ? (bundle.certificateDer[bundle.certificates.indexOf(leaf)] ?? null) : null;
  const ctx: RuleContext = {
    bundle,
    now: Math.floor(now.getTime() / 1000),
    minDays,
    maxValidityDays,
    leaf,
    leafExtensions: leafDer ? parseCertificate(leafDer).extensions : null,
  };
  const findings = RULES.flatMap((rule) => rule(ctx));
  return { ok: !findings.some((x) => x.severity === 'error'), leaf, findings };
}
