/**
 * The HTTP layer on fetch: per-request timeout, a client-request-id GUID, retries for 429/503/504
 * honouring Retry-After (fractional seconds or an HTTP date, bounded) and exponential backoff with
 * jitter otherwise; network errors retried only for idempotent calls. Errors map to the GRAPH_*
 * codes and keep Graph's code, message and request-id. Secrets in request bodies are never logged,
 * and are cut out of any error text by construction. The clock and the sleeper are injected.
 */
import { randomUUID } from 'node:crypto';
import { PfxkitError, type PfxkitErrorCode } from '../errors.js';
import { parseRetryAfter, redact } from '../lib/http.js';
import type { TokenSource } from './credentials.js';

export interface HttpOptions {
  /** Graph base URL with version, e.g. https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  token: TokenSource;
  /** Default: global fetch. */
  fetch?: typeof fetch;
  /** Default: setTimeout. Tests pass one that only records. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds (for HTTP-date Retry-After). */
  now?: () => number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** Longest single wait, whatever Retry-After says (default 120 s). */
  maxDelayMs?: number;
  /** One line per request, never a body or a header value that is secret. */
  log?: (line: string) => void;
  /** Random in [0, 1) for jitter (default Math.random). */
  random?: () => number;
}

export interface RequestOptions {
  body?: unknown;
  /** Whether a network error or timeout may be retried (default: GET, PATCH, PUT, DELETE). */
  idempotent?: boolean;
  /** Strings to cut out of any error message (the password, the pkcs12Value). */
  secrets?: string[];
  /** Awaited before each attempt, the first and every retry (an upload records when it was sent). */
  beforeAttempt?: () => Promise<void>;
}

export interface Response<T = unknown> {
  status: number;
  body: T;
  requestId: string | null;
}

/** What went wrong with one attempt, when it had no usable response. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
    /** False only when the request certainly never left (no connection was made): safe to send again. */
    readonly maybeSent = true,
    /** The 5xx status when Graph answered (its work is over, its outcome unknown); null when no answer came. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** A failure before any connection was made (refused, reset while connecting, no such host). */
function neverSent(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; syscall?: string } })?.cause;
  return cause?.syscall === 'connect' || cause?.syscall === 'getaddrinfo' || ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(cause?.code ?? '');
}

interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: { 'request-id'?: string } };
}

const RETRY_STATUS = new Set([429, 503, 504]);

function codeFor(status: number): PfxkitErrorCode {
  if (status === 401 || status === 403) return 'GRAPH_AUTH';
  if (status === 404) return 'GRAPH_NOT_FOUND';
  if (status === 429) return 'GRAPH_THROTTLED';
  if (status >= 500) return 'GRAPH_UNAVAILABLE';
  return 'GRAPH_REJECTED';
}

export class GraphHttp {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly o: Required<Omit<HttpOptions, 'log'>> & { log: HttpOptions['log'] };

  constructor(options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    // Each option falls back to its default when absent or undefined.
    this.o = {
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a)),
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      now: options.now ?? Date.now,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 5,
      maxDelayMs: options.maxDelayMs ?? 120_000,
      random: options.random ?? Math.random,
      log: options.log,
    };
  }

  /** The same client (token, timeouts, retries, clock) on another base URL of the same service. */
  withBaseUrl(baseUrl: string): GraphHttp {
    return new GraphHttp({ ...this.o, baseUrl });
  }

  /** The per-request timeout in milliseconds. */
  get timeoutMs(): number {
    return this.o.timeoutMs;
  }

  /** Waits with the injected sleeper (tests pass one that does not really wait). */
  pause(ms: number): Promise<void> {
    return this.o.sleep(ms);
  }

  /** A path under the base URL, or an absolute URL on the same origin (an @odata.nextLink). */
  resolve(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      // Never send the bearer token to another host, whatever a response says.
      if (new URL(pathOrUrl).origin !== this.origin) {
        throw new PfxkitError('GRAPH_REJECTED', `Graph returned a link to another host (${new URL(pathOrUrl).origin}); not followed`);
      }
      return pathOrUrl;
    }
    const basePath = new URL(this.baseUrl).pathname.replace(/\/+$/, '');
    // A server-relative link that already carries the version (/v1.0/...) hangs off the origin.
    if (basePath && (pathOrUrl === basePath || pathOrUrl.startsWith(`${basePath}/`) || pathOrUrl.startsWith(`${basePath}?`))) return `${this.origin}${pathOrUrl}`;
    return `${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.o.maxDelayMs, 500 * 2 ** attempt);
    return Math.round(base / 2 + (this.o.random() * base) / 2);
  }

  /** One attempt: the response, or a TransportError when there is none. */
  async once(method: string, url: string, options: RequestOptions): Promise<{ res: globalThis.Response; text: string; clientRequestId: string }> {
    const clientRequestId = randomUUID();
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.remember(await this.o.token.getToken())}`,
      'client-request-id': clientRequestId,
      'return-client-request-id': 'true',
      accept: 'application/json',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const started = this.o.now();
    const path = new URL(url).pathname;
    try {
      const res = await this.o.fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      const text = await res.text();
      this.o.log?.(`${method} ${path} -> ${res.status} (${this.o.now() - started} ms, request-id ${res.headers.get('request-id') ?? '-'})`);
      return { res, text, clientRequestId };
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.o.log?.(`${method} ${path} -> ${timeout ? 'timeout' : 'network error'} (${this.o.now() - started} ms)`);
      const what = timeout ? `no answer within ${this.o.timeoutMs} ms` : `network error (${err instanceof Error ? ((err.cause as Error)?.message ?? err.message) : String(err)})`;
      throw new TransportError(what, timeout ? 'timeout' : 'network', timeout || !neverSent(err));
    }
  }

  /**
   * Sends a request with retries. Resolves with the parsed body for 2xx; rejects with a GRAPH_*
   * PfxkitError otherwise, or with a TransportError for a non-idempotent call whose outcome is
   * unknown (the caller decides how to find out).
   */
  async request<T = unknown>(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<Response<T>> {
    const url = this.resolve(pathOrUrl);
    const idempotent = options.idempotent ?? method !== 'POST';
    for (let attempt = 0; ; attempt++) {
      let r: Awaited<ReturnType<GraphHttp['once']>>;
      await options.beforeAttempt?.();
      try {
        r = await this.once(method, url, options);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        // A call that may have reached Graph is not repeated here: the caller finds out first.
        if (!idempotent && err.maybeSent) throw err;
        if (attempt >= this.o.maxRetries) {
          throw new PfxkitError('GRAPH_UNAVAILABLE', `${method} ${new URL(url).pathname}: ${err.message}, after ${attempt + 1} attempts`, { cause: err });
        }
        await this.o.sleep(this.backoff(attempt));
        continue;
      }
      const { res, text, clientRequestId } = r;
      const requestId = res.headers.get('request-id');
      if (res.ok) {
        let body: unknown = null;
        if (text) {
          try {
            body = JSON.parse(text);
          } catch (err) {
            throw new PfxkitError('GRAPH_UNAVAILABLE', `${method} ${new URL(url).pathname}: ${res.status} with a body that is not JSON (request-id ${requestId ?? '-'})`, { cause: err });
          }
        }
        return { status: res.status, body: body as T, requestId };
      }
      // 429 means not processed: safe to send again for any call. 503/504 for idempotent calls only.
      const retryable = res.status === 429 || (RETRY_STATUS.has(res.status) && idempotent);
      if (retryable && attempt < this.o.maxRetries) {
        // A Retry-After of 0 or a date already past would retry at once, again and again: back off.
        const after = parseRetryAfter(res.headers.get('retry-after'), this.o.now());
        await this.o.sleep(Math.min(after ? after : this.backoff(attempt), this.o.maxDelayMs));
        continue;
      }
      if (res.status >= 500 && !idempotent) {
        // A 5xx to a POST: it may or may not have been processed.
        throw new TransportError(`${res.status} from Graph (request-id ${requestId ?? '-'})`, 'network', true, res.status);
      }
      throw this.error(method, url, res.status, text, requestId, clientRequestId, attempt, options.secrets);
    }
  }

  /** The bearer tokens sent (the last few), cut out of error messages whatever the server echoes. */
  private readonly tokens: string[] = [];
  private remember(token: string): string {
    // The newest four.
    if (!this.tokens.includes(token)) this.tokens.splice(0, Math.max(0, this.tokens.length - 3), token);
    return token;
  }

  private error(method: string, url: string, status: number, text: string, requestId: string | null, clientRequestId: string, attempt: number, secrets?: string[]): PfxkitError {
    let graph: GraphErrorBody['error'];
    try {
      graph = (JSON.parse(text) as GraphErrorBody).error;
    } catch {
      // not Graph's error format
    }
    const rid = requestId ?? graph?.innerError?.['request-id'] ?? '-';
    const what = graph?.code || graph?.message ? `${graph.code ?? 'error'}: ${graph.message ?? ''}` : text.slice(0, 200) || 'no body';
    const retries = attempt > 0 ? `, after ${attempt + 1} attempts` : '';
    const message = redact(`${method} ${new URL(url).pathname}: Graph answered ${status} ${what} (request-id ${rid}, client-request-id ${clientRequestId}${retries})`, [
      ...(secrets ?? []),
      ...this.tokens,
    ]);
    return new PfxkitError(codeFor(status), message, { serviceCode: graph?.code || undefined });
  }
}
