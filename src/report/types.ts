/** The report document (SPEC.md: report --json). */
import type { Problem } from '../errors.js';
import type { ExpiryStatus } from '../rotation/policy.js';

export interface ReportRow {
  source: 'graph' | 'keyset' | 'keyvault' | 'file';
  connector: { id: string; displayName: string } | null;
  /** The B2C policy keyset of a `keyset` row. */
  keyset: { id: string } | null;
  /** The key's id in its keyset (`keyset` rows). */
  kid: string | null;
  path: string | null;
  thumbprint: string;
  /** From the certificate; null for connector rows (Graph lists thumbprints and dates only). */
  subject: string | null;
  notBefore: number;
  notAfter: number;
  daysRemaining: number;
  renewAt: number;
  /** Graph's isActive (for a keyset: whether getActiveKey returns the key); null for files. */
  isActive: boolean | null;
  status: ExpiryStatus;
}

/** A source that could not be read, or a line worth reading (`EXPIRES_SOON`, `NO_CERTIFICATE`). */
export interface ReportError extends Problem {
  path?: string;
  connector?: string;
  keyset?: string;
}

export interface Report {
  generatedAt: number;
  rows: ReportRow[];
  errors: ReportError[];
}
