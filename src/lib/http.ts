/**
 * What the Graph and Key Vault clients both need of HTTP text: a Retry-After header read, and
 * secrets cut out of a message before it goes into an error or a log.
 */

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from `nowMs`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  return null;
}

/** A secret and the forms a server may echo it in: base64 and base64url of its UTF-8. */
const formsOf = (secret: string): string[] => {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  return [secret, b64, b64.replace(/=+$/, ''), Buffer.from(secret, 'utf8').toString('base64url')];
};

/**
 * Cuts secrets out of text: each secret as given and base64-encoded (a password echoed inside a
 * body), any run of 24 or more base64 characters taken from a long secret (a pkcs12Value echoed
 * in part), bearer tokens after "Bearer", and JWTs (a raw token echoed without "Bearer").
 */
export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  const given = secrets.filter((s) => s && s.length >= 4);
  for (const form of given.flatMap(formsOf).sort((a, b) => b.length - a.length)) if (form.length >= 4) out = out.split(form).join('[redacted]');
  const long = given.filter((s) => s.length >= 24);
  if (long.length > 0) out = out.replace(/[A-Za-z0-9+/_-]{24,}={0,2}/g, (run) => (long.some((s) => s.includes(run.replace(/=+$/, ''))) ? '[redacted]' : run));
  out = out.replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]');
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]');
}
