/** How Key Vault calls are retried (src/sources/retry.ts); apart from it so that the public types need no Azure SDK type. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** Longest single wait, whatever Retry-After says (default 120 s). */
  maxDelayMs?: number;
  /** Default: setTimeout. Tests pass one that only records. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds, for an HTTP-date Retry-After (default Date.now). */
  now?: () => number;
  /** Random in [0, 1) for jitter (default Math.random). */
  random?: () => number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** One line per attempt that is retried (never a header value or a body). */
  log?: (line: string) => void;
}
