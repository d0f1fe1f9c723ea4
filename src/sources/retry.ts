/**
 * Retries for the Key Vault clients, as for Graph (src/graph/http.ts): 429 and 5xx (500, 502,
 * 503, 504) and network errors are retried, after Retry-After when the answer has one (seconds,
 * fractional, or an HTTP date; bounded), else exponential backoff with jitter. Every call made here
 * is a GET, so everything is safe to send again. The sleeper and the clock are injected, so tests
 * do not wait; the SDK's own retry policy is turned off (`maxRetries: 0`) so its real-time delays
 * never run.
 */
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { parseRetryAfter } from '../lib/http.js';
import type { RetryOptions } from './retry-options.js';

export type { RetryOptions };

type AdditionalPolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number];
export type PipelinePolicy = AdditionalPolicy['policy'];

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** Transport failures: no answer came (the SDK's RestError without a status, or an abort by our timeout). */
function isTransportError(err: unknown): boolean {
  const e = err as { name?: string; statusCode?: number; code?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return true;
  return e?.name === 'RestError' && e.statusCode === undefined;
}

/** The retry policy, to be added per call (it wraps the Key Vault challenge authentication). */
export function retryPolicy(options: RetryOptions = {}): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 5;
  const maxDelayMs = options.maxDelayMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = (attempt: number): number => {
    const base = Math.min(maxDelayMs, 500 * 2 ** attempt);
    return Math.round(base / 2 + (random() * base) / 2);
  };
  return {
    name: 'pfxkitKeyVaultRetry',
    async sendRequest(request, next) {
      if (!request.timeout) request.timeout = options.timeoutMs ?? 30_000;
      const path = new URL(request.url).pathname;
      for (let attempt = 0; ; attempt++) {
        let response;
        try {
          response = await next(request);
        } catch (err) {
          if (!isTransportError(err) || attempt >= maxRetries) throw err;
          options.log?.(`${request.method} ${path} -> network error, retrying`);
          await sleep(backoff(attempt));
          continue;
        }
        if (!RETRY_STATUS.has(response.status) || attempt >= maxRetries) return response;
        const after = parseRetryAfter(response.headers.get('retry-after') ?? null, now());
        options.log?.(`${request.method} ${path} -> ${response.status} (x-ms-request-id ${response.headers.get('x-ms-request-id') ?? '-'}), retrying`);
        // As for Graph: a Retry-After of 0 or a past date backs off instead of retrying at once.
        await sleep(Math.min(after ? after : backoff(attempt), maxDelayMs));
      }
    },
  };
}
