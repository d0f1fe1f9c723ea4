/**
 * Expiry policy (pure): when to renew (cert-manager's rule: two thirds into the lifetime, or a
 * fixed time before expiry) and a status from the warning and critical thresholds.
 */
import { PfxkitError } from '../errors.js';

export type ExpiryStatus = 'ok' | 'renew' | 'warning' | 'critical' | 'expired';

export interface Thresholds {
  /** warning at or under this many days left (default 28). */
  warnDays: number;
  /** critical at or under this many days left (default 14). */
  critDays: number;
  /** Renew this many seconds before notAfter, instead of at two thirds of the lifetime. */
  renewBeforeSeconds?: number | null;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnDays: 28, critDays: 14, renewBeforeSeconds: null };

const DAY = 86_400;

/** `notAfter − lifetime/3`, or `notAfter − renewBefore`; epoch seconds. */
export function renewAt(notBefore: number, notAfter: number, renewBeforeSeconds?: number | null): number {
  if (renewBeforeSeconds != null) return notAfter - renewBeforeSeconds;
  return Math.floor(notAfter - (notAfter - notBefore) / 3);
}

/** Whole days left (negative once expired). */
export function daysRemaining(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY);
}

export function expiryStatus(notBefore: number, notAfter: number, now: number, t: Thresholds = DEFAULT_THRESHOLDS): ExpiryStatus {
  if (notAfter <= now) return 'expired';
  const days = daysRemaining(notAfter, now);
  if (days <= t.critDays) return 'critical';
  if (days <= t.warnDays) return 'warning';
  if (now >= renewAt(notBefore, notAfter, t.renewBeforeSeconds)) return 'renew';
  return 'ok';
}

export const STATUS_RANK: Readonly<Record<ExpiryStatus, number>> = { ok: 0, renew: 1, warning: 2, critical: 3, expired: 4 };

/** Parses `30d`, `720h`, `90m`, `3600s`, or ISO 8601 `P30D` / `PT12H` into seconds. */
export function parseDuration(text: string): number {
  const simple = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/i.exec(text.trim());
  if (simple) return Math.round(Number(simple[1]) * { d: DAY, h: 3600, m: 60, s: 1 }[simple[2]!.toLowerCase() as 'd' | 'h' | 'm' | 's']);
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (iso && text.trim().length > 1 && !/T$/i.test(text.trim())) {
    const [, w, d, h, m, s] = iso.map((x) => Number(x ?? 0));
    return w! * 7 * DAY + d! * DAY + h! * 3600 + m! * 60 + s!;
  }
  throw new PfxkitError('USAGE', `"${text}" is not a duration such as 30d, 720h or P30D`);
}
