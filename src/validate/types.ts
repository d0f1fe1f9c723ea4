/** Validation results: the document `validate --json` prints (SPEC.md). */
import type { CertificateInfo } from '../cert/facts.js';

export type Severity = 'error' | 'warning' | 'info';

export type FindingCode =
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'NO_PRIVATE_KEY'
  | 'NO_CERTIFICATE'
  | 'KEY_MISMATCH'
  | 'MULTIPLE_KEYS'
  | 'EXPIRES_SOON'
  | 'WEAK_KEY'
  | 'WEAK_SIGNATURE'
  | 'NO_INTEGRITY'
  | 'KEY_UNENCRYPTED'
  | 'NO_CLIENT_AUTH_EKU'
  | 'ENCRYPTION_COMPAT'
  | 'KEY_USAGE'
  | 'CA_CERTIFICATE'
  | 'LONG_VALIDITY'
  | 'WEAK_ENCRYPTION'
  | 'CHAIN_INCOMPLETE';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What is wrong and what to do about it. */
  message: string;
}

export interface ValidationResult {
  /** False when any finding is an error. */
  ok: boolean;
  leaf: CertificateInfo | null;
  findings: Finding[];
}

export interface ValidateOptions {
  /** The moment to judge validity at (default: the current time; the pure layer never reads it itself). */
  now?: Date;
  /** EXPIRES_SOON under this many days (default 30). */
  minDays?: number;
  /** LONG_VALIDITY over this many days of lifetime (default 825). */
  maxValidityDays?: number;
}
