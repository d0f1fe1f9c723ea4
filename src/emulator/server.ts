/**
 * A local HTTP server that behaves like Graph's apiConnectors (SPEC.md's Graph facts): list with
 * paging, get, create (201), PATCH (204, replacing the certificate list), uploadClientCertificate
 * (200, appending), delete, `******` for Basic passwords, Graph's error format, a bearer token,
 * and fault injection for tests. By default it follows the documented facts: AES-encrypted
 * bundles answered with AADB2C90213, `password` required, paths matched case-insensitively,
 * `@odata.type` with or without `#`, 200 requests a minute. What the docs leave open is a rule to
 * set (`activeRule`, `basicUpload`, `acceptDuplicate`, or a `pfxkit probe` document via
 * `rulesFromProbe`). It keeps no secret: Basic passwords and pkcs12Value are checked and dropped,
 * only certificate facts are kept.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { PfxkitError } from '../errors.js';
import { close, listen } from './listen.js';
import { authFrom, connectorView, findConnector, newConnector, uploadTo, type StoredConnector } from './connectors.js';
import { HttpError } from './http-error.js';
import { activeKey, addKey, createKeySet, findKeySet, keysetView, keyView, type StoredKeySet } from './keysets.js';
import type { GraphRules } from './rules.js';
import { readUpload } from './upload.js';

export { rulesFromProbe, type ActiveRule } from './rules.js';
interface State {
  seq: number;
  connectors: StoredConnector[];
  /** B2C policy keysets (served under /beta only). */
  keysets?: StoredKeySet[];
}

/** A fault applied to the next `times` matching requests. */
export interface Fault {
  method?: string;
  /** Matched against the path after the version prefix, e.g. /identity/apiConnectors/ID/uploadClientCertificate. */
  path?: RegExp;
  /** Default 1. */
  times?: number;
  /**
   * lose-response: processed, then the connection is cut; drop-request: cut without processing;
   * drop-certificate: the answer's list lacks the last certificate (a lying response).
   */
  kind: 'throttle' | 'status' | 'lose-response' | 'drop-request' | 'drop-certificate' | 'delay';
  /** throttle: the Retry-After header value (default "1"). */
  retryAfter?: string;
  /** status: the status to answer (default 503). */
  status?: number;
  /** delay: milliseconds before handling. */
  delayMs?: number;
  /** delay: wait for this instead (tests hold a request until they let it go). */
  hold?: Promise<void>;
}

export interface EmulatorOptions extends GraphRules {
  port?: number;
  host?: string;
  /** The bearer token to require (default: random). */
  token?: string;
  /** Persist state here (atomically) and load it at start. */
  statePath?: string;
  /** Connectors per page of a list (default 10). */
  pageSize?: number;
  /** The emulator's clock, epoch milliseconds (for the active rule and throttling). */
  now?: () => number;
  /** Answer 429 beyond this many requests per rolling minute (default 200, Graph's per-app figure; 0: no limit). */
  throttlePerMinute?: number;
  log?: (line: string) => void;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number | 'lost';
  /** The emulator's clock when the request arrived (epoch ms). */
  at: number;
  /** The Retry-After sent with a 429, in seconds. */
  retryAfter?: number;
}

const VERSION = /^\/(v1\.0|beta)(\/.*)?$/i;
const FAULT_ANSWERS: Record<number, [code: string, message: string]> = {
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  504: ['GatewayTimeout', 'The service is temporarily unavailable.'],
};

export class GraphEmulator {
  readonly token: string;
  readonly faults: Fault[] = [];
  readonly requests: RequestRecord[] = [];
  private state: State = { seq: 0, connectors: [] };
  private server: Server | null = null;
  private readonly window: number[] = [];
  private readonly o: EmulatorOptions;
  private inFlight = 0;
  /** The most requests handled at once so far. */
  maxInFlight = 0;
  url = '';

  constructor(options: EmulatorOptions = {}) {
    this.o = options;
    this.token = options.token ?? randomBytes(24).toString('base64url');
    if (options.statePath) {
      try {
        this.state = JSON.parse(readFileSync(options.statePath, 'utf8')) as State;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PfxkitError('USAGE', `cannot load emulator state ${options.statePath}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Starts listening; resolves with the base URL (with /v1.0). */
  async start(): Promise<string> {
    const { createServer } = await import('node:http'); // loaded by a started emulator only
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.o.log?.(`emulator: ${String(err)}`);
        if (!res.headersSent) this.send(res, req, 500, { error: { code: 'InternalServerError', message: 'emulator failure' } });
      });
    });
    const port = await listen(this.server, this.o.port ?? 0, this.o.host ?? '127.0.0.1', 'emulator');
    this.url = `http://${this.o.host ?? '127.0.0.1'}:${port}/v1.0`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await close(server);
  }

  /** Sets (or, with 0, lifts) the per-minute request limit. */
  throttle(perMinute: number): void {
    this.o.throttlePerMinute = perMinute;
    this.window.length = 0;
  }

  /** Connectors as Graph would show them now (for tests and the demo). */
  connectors(): unknown[] {
    return this.state.connectors.map((c) => this.view(c));
  }

  /** Policy keysets as Graph would show them now. */
  keysets(): unknown[] {
    return (this.state.keysets ?? []).map(keysetView);
  }

  /** How many requests matched `method` and a path regex. */
  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  private save(): void {
    const path = this.o.statePath;
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  }

  private send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const requestId = randomUUID();
    const h: Record<string, string> = { 'request-id': requestId, ...headers };
    const crid = req.headers['client-request-id'];
    if (typeof crid === 'string') h['client-request-id'] = crid;
    if (body !== undefined && status !== 204) {
      if (status >= 400 && body && typeof body === 'object' && 'error' in body) {
        (body as { error: Record<string, unknown> }).error.innerError = { 'request-id': requestId, date: new Date(this.now()).toISOString().replace(/\.\d+Z$/, '') };
      }
      h['content-type'] = 'application/json';
      res.writeHead(status, h).end(JSON.stringify(body));
    } else {
      res.writeHead(status, h).end();
    }
  }

  private takeFault(method: string, path: string, kinds: Fault['kind'][]): Fault | null {
    for (const f of this.faults) {
      if (!kinds.includes(f.kind)) continue;
      if (f.method && f.method !== method) continue;
      if (f.path && !f.path.test(path)) continue;
      if ((f.times ?? 1) <= 0) continue;
      f.times = (f.times ?? 1) - 1;
      return f;
    }
    return null;
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 4 * 1024 * 1024) throw new HttpError(413, 'RequestEntityTooLarge', 'the request body is too large');
      chunks.push(c as Buffer);
    }
    if (size === 0) return {};
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new HttpError(400, 'BadRequest', 'the request body is not a JSON object');
  }

  /** The connector as Graph shows it now. */
  private view(c: StoredConnector): Record<string, unknown> {
    return connectorView(c, Math.floor(this.now() / 1000), this.o);
  }

  /** Reads an uploaded PKCS#12 under this emulator's AES rule. */
  private readonly read = (value: unknown, password: unknown, field?: string) => readUpload(value, password, { acceptAes: this.o.acceptAes, field });
  private readonly seq = (): number => ++this.state.seq;

  private throttled(): number | null {
    const limit = this.o.throttlePerMinute ?? 200;
    if (!limit) return null;
    const now = this.now();
    while (this.window.length && this.window[0]! <= now - 60_000) this.window.shift();
    if (this.window.length >= limit) return (this.window[0]! + 60_000 - now) / 1000;
    this.window.push(now);
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    const m = VERSION.exec(url.pathname);
    const path = m?.[2] ?? url.pathname;
    const record: RequestRecord = { method, path, status: 0, at: this.now() };
    this.requests.push(record);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    const reply = (status: number, body?: unknown, headers?: Record<string, string>): void => {
      record.status = status;
      if (headers?.['retry-after'] !== undefined) record.retryAfter = Number(headers['retry-after']);
      this.send(res, req, status, body, headers);
    };
    try {
      if (!m) throw new HttpError(404, 'BadRequest', `Invalid version: ${url.pathname.split('/')[1] ?? ''}`);
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        throw new HttpError(401, 'InvalidAuthenticationToken', req.headers.authorization ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.');
      }
      // The body is read first: a request the client gave up on is still processed after a
      // delay, as a slow server would (the reason an upload is looked for before it is re-sent).
      const body = method === 'POST' || method === 'PATCH' ? await this.body(req) : {};
      const wait = this.throttled();
      if (wait !== null) throw new HttpError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': wait.toFixed(3) });
      const delay = this.takeFault(method, path, ['delay']);
      if (delay) await (delay.hold ?? new Promise((r) => setTimeout(r, delay.delayMs ?? 0)));
      if (this.takeFault(method, path, ['drop-request'])) {
        record.status = 'lost';
        req.socket.destroy();
        return;
      }
      const f = this.takeFault(method, path, ['throttle', 'status']);
      if (f?.kind === 'throttle') throw new HttpError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': f.retryAfter ?? '1' });
      if (f?.kind === 'status') {
        const [code, message] = FAULT_ANSWERS[f.status ?? 503] ?? ['ServiceUnavailable', 'The service is temporarily unavailable.'];
        throw new HttpError(f.status ?? 503, code, message);
      }

      const beta = m[1]!.toLowerCase() === 'beta';
      const { status, body: answer } =
        path.split('/')[1]?.toLowerCase() === 'trustframework' && beta ? await this.routeKeysets(method, path, url, req, body) : await this.route(method, path, url, req, body);
      const lose = this.takeFault(method, path, ['lose-response']);
      if (lose) {
        record.status = 'lost';
        req.socket.destroy();
        return;
      }
      const drop = this.takeFault(method, path, ['drop-certificate']);
      if (drop && answer && typeof answer === 'object') {
        const auth = (answer as { authenticationConfiguration?: { certificateList?: unknown[] } }).authenticationConfiguration;
        if (auth?.certificateList) auth.certificateList = auth.certificateList.slice(0, -1);
      }
      if (res.destroyed || req.socket.destroyed) {
        record.status = 'lost';
        return;
      }
      reply(status, answer);
    } catch (err) {
      if (err instanceof HttpError) reply(err.status, { error: { code: err.code, message: err.message } }, err.headers);
      else throw err;
    } finally {
      this.inFlight--;
    }
  }

  /** A list page of `items` (the same paging as connectors'). */
  private page(items: unknown[], url: URL, req: IncomingMessage, context: string): Record<string, unknown> {
    const top = Math.max(1, Math.min(Number(url.searchParams.get('$top') ?? this.o.pageSize ?? 10) || 10, 999));
    const skip = Number(Buffer.from(url.searchParams.get('$skiptoken') ?? '', 'base64url').toString() || '0') || 0;
    const body: Record<string, unknown> = { '@odata.context': `${this.url}/$metadata#${context}`, value: items.slice(skip, skip + top) };
    if (skip + top < items.length) {
      const host = req.headers.host ?? new URL(this.url).host;
      body['@odata.nextLink'] = `http://${host}${url.pathname}?$top=${top}&$skiptoken=${Buffer.from(String(skip + top)).toString('base64url')}`;
    }
    return body;
  }

  /** /beta/trustFramework/keySets[/{id}[/uploadPkcs12|getActiveKey]]. */
  private async routeKeysets(method: string, path: string, url: URL, req: IncomingMessage, b: Record<string, unknown>): Promise<{ status: number; body?: unknown }> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[1]?.toLowerCase() !== 'keysets') throw new HttpError(404, 'BadRequest', `Resource not found for the segment '${parts[1] ?? ''}'.`);
    const all = (this.state.keysets ??= []);
    const [, , id, action] = parts;
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: this.page(all.map(keysetView), url, req, 'trustFramework/keySets') };
      if (method === 'POST') {
        const created = createKeySet(all, b);
        this.save();
        return { status: 201, body: keysetView(created) };
      }
      throw new HttpError(405, 'BadRequest', `${method} is not allowed here`);
    }
    const set = findKeySet(all, id);
    const act = action?.toLowerCase();
    if (act === undefined && method === 'GET') return { status: 200, body: keysetView(set) };
    if (act === undefined && method === 'DELETE') {
      this.state.keysets = all.filter((x) => x !== set);
      this.save();
      return { status: 204 };
    }
    if (act === 'uploadpkcs12' && method === 'POST') {
      const key = addKey(set, await this.read(b.key, b.password, 'key'), this.seq(), this.o.acceptDuplicate !== false);
      this.save();
      return { status: 200, body: keyView(key) };
    }
    if (act === 'getactivekey' && method === 'GET') {
      const active = activeKey(set, Math.floor(this.now() / 1000));
      if (!active) throw new HttpError(404, 'ResourceNotFound', `The key set '${set.id}' has no active key.`);
      return { status: 200, body: keyView(active) };
    }
    throw new HttpError(404, 'BadRequest', `Resource not found for the segment '${action ?? method}'.`);
  }

  private async route(method: string, path: string, url: URL, req: IncomingMessage, b: Record<string, unknown>): Promise<{ status: number; body?: unknown }> {
    // Graph matches path segments case-insensitively (its docs spell both apiConnectors and apiconnectors).
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const seg = (i: number): string | undefined => parts[i]?.toLowerCase();
    if (seg(0) !== 'identity' || seg(1) !== 'apiconnectors') throw new HttpError(404, 'BadRequest', `Resource not found for the segment '${parts[0] ?? ''}'.`);
    const id = parts[2];
    const action = seg(3);
    if (id === undefined) {
      if (method === 'GET')
        return {
          status: 200,
          body: this.page(
            this.state.connectors.map((c) => this.view(c)),
            url,
            req,
            'identity/apiConnectors',
          ),
        };
      if (method === 'POST') {
        const c = await newConnector(b, this.read, this.seq);
        this.state.connectors.push(c);
        this.save();
        return { status: 201, body: this.view(c) };
      }
      throw new HttpError(405, 'BadRequest', `${method} is not allowed here`);
    }
    const c = findConnector(this.state.connectors, id);
    if (action === undefined) {
      if (method === 'GET') return { status: 200, body: this.view(c) };
      if (method === 'PATCH') {
        if (b.authenticationConfiguration !== undefined) c.auth = await authFrom(b.authenticationConfiguration, this.read, this.seq);
        if (typeof b.displayName === 'string') c.displayName = b.displayName;
        if (typeof b.targetUrl === 'string') c.targetUrl = b.targetUrl;
        this.save();
        return { status: 204 };
      }
      if (method === 'DELETE') {
        this.state.connectors = this.state.connectors.filter((x) => x !== c);
        this.save();
        return { status: 204 };
      }
      throw new HttpError(405, 'BadRequest', `${method} is not allowed here`);
    }
    if (action === 'uploadclientcertificate' && method === 'POST') {
      await uploadTo(c, b, this.read, this.seq, this.o);
      this.save();
      return { status: 200, body: this.view(c) };
    }
    throw new HttpError(404, 'BadRequest', `Resource not found for the segment '${action}'.`);
  }
}
