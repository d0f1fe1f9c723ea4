/** The report document (SPEC.md: report --json). */
import type { ExpiryStatus } from '../rotation/policy.js';

export interface ReportRow {
  source: 'graph' | 'file' | 'keyvault';
  connector: { id: string; displayName: string } | null;
  path: string | null;
  thumbprint: string;
  /** From the certificate; null for Graph rows (Graph lists thumbprints and dates only). */
  subject: string | null;
  notBefore: number;
  notAfter: number;
  daysRemaining: number;
  renewAt: number;
  /** Graph's isActive; null for files. */
  isActive: boolean | null;
  status: ExpiryStatus;
}

export interface ReportError {
  path?: string;
  connector?: string;
  code: string;
  message: string;
}

export interface Report {
  generatedAt: number;
  rows: ReportRow[];
  errors: ReportError[];
}
