/**
 * The rotation planner (pure): a connector's state + a candidate bundle + now + mode → none,
 * upload or replace, with a reason. It refuses a candidate that fails validation, and one that
 * expires before the connector's active certificate unless allowOlder.
 */
import type { Pkcs12Bundle } from '../pkcs12/bundle.js';
import type { ValidationResult } from '../validate/types.js';
import { certificateListOf, isBasic, type ApiConnector, type CertificateListEntry } from '../graph/types.js';

export type RotateMode = 'auto' | 'upload' | 'replace';
export type RotateAction = 'upload' | 'replace' | 'none';

export interface CandidateFacts {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
}

export interface Plan {
  connector: { id: string; displayName: string };
  action: RotateAction;
  reason: string;
  /** True when the candidate is refused (the action is then `none` and nothing is written). */
  refused: boolean;
  warnings: string[];
  certificate: CandidateFacts;
  /** The connector's certificate list before the change. */
  certificateList: CertificateListEntry[];
}

export interface PlanInput {
  connector: ApiConnector;
  candidate: CandidateFacts;
  validation: ValidationResult;
  /** Epoch seconds. */
  now: number;
  mode: RotateMode;
  allowOlder?: boolean;
}

const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The validation errors that stop a rotation. NOT_YET_VALID does not: uploading a certificate
 * ahead of its notBefore is how a rotation is staged (Graph activates it once notBefore passes);
 * the plan warns instead.
 */
export function blockingErrors(validation: ValidationResult): string[] {
  return validation.findings.filter((f) => f.severity === 'error' && f.code !== 'NOT_YET_VALID').map((f) => f.code);
}

/** The certificate facts of a bundle's leaf, or null when it has none. */
export function candidateOf(bundle: Pkcs12Bundle): CandidateFacts | null {
  const leaf = bundle.certificates.find((c) => c.thumbprint === bundle.leaf);
  return leaf ? { thumbprint: leaf.thumbprint, notBefore: leaf.notBefore, notAfter: leaf.notAfter } : null;
}

/**
 * Plans one connector's rotation.
 *
 * @example
 * ```ts
 * const plan = planRotation({ connector, candidate: candidateOf(bundle)!, validation, now: Date.now() / 1000, mode: 'auto' });
 * if (plan.action === 'upload') await uploadClientCertificate(http, connector.id, b64, password);
 * ```
 */
export function planRotation(input: PlanInput): Plan {
  const { connector, candidate, validation, now, mode } = input;
  const list = certificateListOf(connector);
  const base = {
    connector: { id: connector.id, displayName: connector.displayName },
    certificate: candidate,
    certificateList: list,
    warnings: [] as string[],
  };
  const none = (reason: string, refused = false): Plan => ({ ...base, action: 'none', reason, refused });

  const blocking = blockingErrors(validation);
  if (blocking.length) return none(`the candidate fails validation (${blocking.join(', ')}): nothing is written`, true);
  if (candidate.notBefore > now) {
    base.warnings.push(`the candidate is not valid before ${iso(candidate.notBefore)}: Graph will not make it active until then`);
  }
  const present = list.some((e) => e.thumbprint.toUpperCase() === candidate.thumbprint);
  const basic = isBasic(connector);

  let action: RotateAction;
  let reason: string;
  if (mode === 'replace') {
    if (list.length === 1 && present) return none('the certificate list already is exactly this certificate');
    action = 'replace';
    reason = basic
      ? 'the connector uses Basic authentication: PATCH switches it to this certificate'
      : `PATCH replaces the certificate list (${list.length} certificate${list.length === 1 ? '' : 's'}) with this one`;
  } else if (present) {
    return none('the certificate is already in the connector\'s certificate list');
  } else if (basic && mode === 'auto') {
    action = 'replace';
    reason = 'the connector uses Basic authentication: PATCH switches it to this certificate';
  } else {
    action = 'upload';
    reason = `uploadClientCertificate appends it to the certificate list (${list.length} certificate${list.length === 1 ? '' : 's'} now)`;
  }

  const active = list.find((e) => e.isActive);
  if (active && candidate.notAfter < active.notAfter && !input.allowOlder) {
    return none(
      `the candidate expires at ${iso(candidate.notAfter)}, before the active certificate ${active.thumbprint} (${iso(active.notAfter)}): use --allow-older to write it anyway`,
      true,
    );
  }
  return { ...base, action, reason, refused: false };
}
