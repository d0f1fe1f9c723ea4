/**
 * The rotation planner (pure): a target's state + a candidate + now + mode → none, upload or
 * replace, with a reason. It refuses a candidate that fails validation; a not-yet-valid one for a
 * replace (a PATCH would leave the target without an active certificate until its notBefore);
 * an upload to a Basic-auth connector (only PATCH is documented for switching it); and a candidate
 * that expires before the target's active certificate unless allowOlder. Which certificate Graph
 * makes active is never predicted here: the adapter reads it after the write.
 */
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import type { ValidationResult } from '../validate/types.js';
import type { Target, TargetCertificate } from './target.js';
import { isoSeconds, plural } from '../lib/text.js';

export type RotateMode = 'auto' | 'upload' | 'replace';
export type RotateAction = 'upload' | 'replace' | 'none';

export interface CandidateFacts {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
}

export interface Plan {
  target: Pick<Target, 'kind' | 'id' | 'displayName'>;
  action: RotateAction;
  reason: string;
  /** True when the candidate is refused (the action is then `none` and nothing is written). */
  refused: boolean;
  warnings: string[];
  certificate: CandidateFacts;
  /** The target's certificates before the change. */
  certificateList: TargetCertificate[];
}

export interface PlanInput {
  target: Target;
  candidate: CandidateFacts;
  validation: ValidationResult;
  /** Epoch seconds. */
  now: number;
  mode: RotateMode;
  allowOlder?: boolean;
}

/**
 * The validation errors that stop a rotation. NOT_YET_VALID does not stop every one: uploading a
 * certificate ahead of its notBefore stages it (the current certificate stays active); the
 * planner refuses it only for a replace.
 */
export function blockingErrors(validation: ValidationResult): string[] {
  return validation.findings.filter((f) => f.severity === 'error' && f.code !== 'NOT_YET_VALID').map((f) => f.code);
}

/** The certificate facts of a bundle's leaf, or null when it has none. */
export function candidateOf(bundle: Pkcs12Bundle): CandidateFacts | null {
  const leaf = bundle.certificates.find((c) => c.thumbprint === bundle.leaf);
  return leaf ? { thumbprint: leaf.thumbprint, notBefore: leaf.notBefore, notAfter: leaf.notAfter } : null;
}

/** The write the mode asks for, before the refusals that do not depend on it. */
function choose(target: Target, present: boolean, mode: RotateMode): { action: RotateAction; reason: string; refused?: boolean } {
  const list = target.certificates;
  if (target.kind === 'keyset') {
    if (mode === 'replace') return { action: 'none', refused: true, reason: 'a policy keyset takes no replace: uploadPkcs12 appends, and keys cannot be removed one at a time' };
    return present
      ? { action: 'none', reason: 'a key with this thumbprint is already in the keyset' }
      : { action: 'upload', reason: `uploadPkcs12 adds it to the keyset (${plural(list.length, 'certificate')} before)` };
  }
  const switchReason = 'the connector uses Basic authentication: PATCH switches it to this certificate';
  if (mode === 'replace') {
    if (list.length === 1 && present) return { action: 'none', reason: 'the certificate list already is exactly this certificate' };
    return { action: 'replace', reason: target.basic ? switchReason : `PATCH replaces the certificate list (${plural(list.length, 'certificate')}) with this one` };
  }
  if (present) return { action: 'none', reason: "the certificate is already in the connector's certificate list" };
  if (target.basic) {
    return mode === 'auto'
      ? { action: 'replace', reason: switchReason }
      : { action: 'none', refused: true, reason: 'the connector uses Basic authentication and only a PATCH is documented for switching it to a certificate: use --mode auto or replace, not upload' };
  }
  return { action: 'upload', reason: `uploadClientCertificate appends it to the certificate list (${plural(list.length, 'certificate')} before)` };
}

/**
 * Plans one target's rotation.
 *
 * @example
 * ```ts
 * const plan = planRotation({ target, candidate: candidateOf(bundle)!, validation, now: Date.now() / 1000, mode: 'auto' });
 * if (plan.action === 'upload') await uploadClientCertificate(http, target.id, b64, password);
 * ```
 */
export function planRotation(input: PlanInput): Plan {
  const { target, candidate, validation, now, mode } = input;
  const list = target.certificates;
  const base = { target: { kind: target.kind, id: target.id, displayName: target.displayName }, certificate: candidate, certificateList: list, warnings: [] as string[] };
  const none = (reason: string, refused = false): Plan => ({ ...base, action: 'none', reason, refused });

  const blocking = blockingErrors(validation);
  if (blocking.length) return none(`the candidate fails validation (${blocking.join(', ')}): nothing is written`, true);
  const present = list.some((e) => e.thumbprint.toUpperCase() === candidate.thumbprint);
  const { action, reason, refused } = choose(target, present, mode);
  if (action === 'none') return none(reason, refused);

  if (candidate.notBefore > now) {
    if (action === 'replace') {
      return none(
        `the candidate is not valid before ${isoSeconds(candidate.notBefore)}: a PATCH would leave the connector without an active certificate until then${target.basic ? '' : ' (stage it with --mode upload instead)'}`,
        true,
      );
    }
    base.warnings.push(
      target.kind === 'keyset'
        ? `staged: the candidate is not valid before ${isoSeconds(candidate.notBefore)}; B2C activates a key at its nbf, so it takes over then`
        : `staged: the candidate is not valid before ${isoSeconds(candidate.notBefore)}; the current certificate stays active until then, and Graph decides which is active after (pfxkit report shows it)`,
    );
  }
  const active = list.find((e) => e.isActive);
  if (active && candidate.notAfter < active.notAfter && !input.allowOlder) {
    return none(
      `the candidate expires at ${isoSeconds(candidate.notAfter)}, before the active certificate ${active.thumbprint} (${isoSeconds(active.notAfter)}): use --allow-older to write it anyway`,
      true,
    );
  }
  return { ...base, action, reason, refused: false };
}
