/**
 * Report rows from B2C policy keysets (Graph beta): a row per certificate key of every keyset, with
 * B2C's active key marked. A keyset whose active key is expiring with no key staged to follow it
 * gets a warning line in `errors`; a 403 (the token lacks TrustFrameworkKeySet.Read.All) is an
 * error line, not a failed report.
 */
import { parseCertificate } from '../cert/facts.js';
import { toPfxkitError } from '../errors.js';
import type { GraphHttp } from '../graph/http.js';
import { getActiveKey, keysetCertificates, listKeySets, type TrustFrameworkKeySet } from '../graph/keysets.js';
import { DEFAULT_THRESHOLDS, STATUS_RANK } from '../rotation/policy.js';
import { row, sortRows, type ReportOptions } from './build.js';
import type { Report, ReportError, ReportRow } from './types.js';
import { isoSeconds } from '../lib/text.js';

/** The subject of a key's certificate (x5c[0]), when it carries one that reads. */
function subjectOf(keyset: TrustFrameworkKeySet, kid: string | null): string | null {
  const key = keyset.keys.find((k) => (k.kid ?? null) === kid);
  const der = key?.x5c?.[0];
  if (typeof der !== 'string') return null;
  try {
    return parseCertificate(new Uint8Array(Buffer.from(der, 'base64')), `keyset ${keyset.id} key ${kid}`).info.subject;
  } catch {
    return null;
  }
}

/** The warning for a keyset whose active key needs a successor and has none staged, or null. */
function successorWarning(keyset: TrustFrameworkKeySet, rows: ReportRow[]): ReportError | null {
  const active = rows.find((r) => r.isActive);
  if (!active || STATUS_RANK[active.status] < STATUS_RANK.warning) return null;
  if (rows.some((r) => r.notAfter > active.notAfter)) return null;
  return {
    keyset: keyset.id,
    code: 'EXPIRES_SOON',
    message: `the active key ${active.kid ?? active.thumbprint} expires at ${isoSeconds(active.notAfter)} and no key with a later expiry is staged: upload its successor (pfxkit rotate FILE --keyset ${keyset.id})`,
  };
}

const asError = (err: unknown, keyset: string): ReportError => {
  const e = toPfxkitError(err, 'GRAPH_UNAVAILABLE');
  const hint = e.code === 'GRAPH_AUTH' ? ' (policy keysets need TrustFrameworkKeySet.Read.All or .ReadWrite.All)' : '';
  return { keyset, code: e.code, message: `${e.message}${hint}` };
};

/**
 * Every certificate key of every policy keyset. `beta` is a Graph client on the beta root
 * (`http.withBaseUrl(betaUrlOf(http.baseUrl))`).
 *
 * @example
 * ```ts
 * const report = await reportKeysets(http.withBaseUrl(betaUrlOf(http.baseUrl)), { now: new Date() });
 * ```
 */
export async function reportKeysets(beta: GraphHttp, options: ReportOptions): Promise<Report> {
  const now = Math.floor(options.now.getTime() / 1000);
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const rows: ReportRow[] = [];
  const errors: ReportError[] = [];
  let keysets: TrustFrameworkKeySet[];
  try {
    keysets = await listKeySets(beta);
  } catch (err) {
    return { generatedAt: now, rows, errors: [asError(err, '*')] };
  }
  for (const keyset of keysets) {
    try {
      const active = keyset.keys.length ? await getActiveKey(beta, keyset.id) : null;
      const mine = keysetCertificates(keyset, active).map((k) =>
        row({ source: 'keyset', keyset: { id: keyset.id }, kid: k.kid, thumbprint: k.thumbprint, subject: subjectOf(keyset, k.kid), isActive: k.isActive }, k.notBefore, k.notAfter, now, t),
      );
      rows.push(...mine);
      const warning = successorWarning(keyset, mine);
      if (warning) errors.push(warning);
    } catch (err) {
      errors.push(asError(err, keyset.id));
    }
  }
  return { generatedAt: now, rows: sortRows(rows), errors };
}
