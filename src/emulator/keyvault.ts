/**
 * A Key Vault stand-in for tests and demos: https on 127.0.0.1 with a certificate generated at
 * start (its PEM is `caPem`: trust it with NODE_EXTRA_CA_CERTS in a process, or the `ca` option of
 * the library), the challenge authentication Key Vault does (a request without the right bearer
 * token gets 401 with `WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}",
 * resource="https://vault.azure.net"`), and the reads pfxkit makes:
 *
 *   GET /secrets/{name}[/{version}]        SecretBundle (value, contentType, id, attributes, kid, managed)
 *   GET /certificates/{name}[/{version}]   CertificateBundle (id, kid, sid, x5t, cer, attributes nbf/exp, policy)
 *   GET /certificates                      list of the current versions, paged with nextLink
 *
 * Errors in Key Vault's format `{"error": {"code", "message"}}` with an x-ms-request-id header;
 * `api-version` is required on every request, as Key Vault does. Faults are injected like the
 * Graph emulator's (429 with Retry-After, any status such as 503 or 403). Secrets and certificates
 * are added from code.
 */
import { createHash, createPrivateKey, randomBytes, randomUUID, webcrypto, X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PfxkitError } from '../errors.js';
import { close, listen } from './listen.js';
import { readPkcs12 } from '../pkcs12/read.js';
import { pemToPkcs12 } from '../sources/pem.js';

export interface KeyVaultFault {
  method?: string;
  /** Matched against the path, e.g. /secrets/api-client. */
  path?: RegExp;
  /** Default 1. */
  times?: number;
  /** throttle: 429 with Retry-After; status: the status given (default 503). */
  kind: 'throttle' | 'status';
  /** throttle: the Retry-After value (default "1"). */
  retryAfter?: string;
  status?: number;
  /** Key Vault's error code (default from the status: Throttled, Forbidden, ServiceUnavailable, ...). */
  code?: string;
  message?: string;
}

export interface KeyVaultEmulatorOptions {
  port?: number;
  /** Default 127.0.0.1 (the certificate names 127.0.0.1, ::1 and localhost). */
  host?: string;
  /** The bearer token to accept (default: random). */
  token?: string;
  /** The tenant in the challenge's authorization URL. */
  tenant?: string;
  /** Certificates per page of the list (default 25, Key Vault's default maxresults). */
  pageSize?: number;
  /** Clock for created/updated attributes, epoch milliseconds. */
  now?: () => number;
  log?: (line: string) => void;
}

export interface KeyVaultRequestRecord {
  method: string;
  path: string;
  status: number;
  requestId: string;
  /** Whether the request carried the accepted bearer token. */
  authorized: boolean;
}

interface SecretVersion {
  version: string;
  value: string;
  contentType: string | null;
  enabled: boolean;
  created: number;
  /** Set for a certificate's secret. */
  managed: boolean;
  nbf?: number;
  exp?: number;
}

interface CertificateVersion {
  version: string;
  der: Uint8Array;
  subject: string;
  nbf: number;
  exp: number;
  enabled: boolean;
  created: number;
  contentType: string;
}

interface Item<T> {
  name: string;
  versions: T[];
}

const RESOURCE = 'https://vault.azure.net';
const DEFAULT_CODES: Record<number, string> = {
  400: 'BadParameter',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'Throttled',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly inner?: string,
  ) {
    super(message);
  }
}

const newVersion = (): string => randomBytes(16).toString('hex');

/** A self-signed certificate for 127.0.0.1, ::1 and localhost, valid from 5 minutes ago for `days`. */
async function tlsCertificate(days = 30): Promise<{ cert: string; key: string }> {
  // @peculiar/x509 only when a stand-in starts: importing the emulator entry stays light.
  const { x509 } = await import('../cert/x509.js');
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1] & typeof webcrypto;
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(15).toString('hex')}`,
      name: 'CN=pfxkit Key Vault stand-in',
      notBefore: new Date(now - 300_000),
      notAfter: new Date(now + days * 86_400_000),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { cert: cert.toString('pem'), key };
}

export class KeyVaultEmulator {
  readonly token: string;
  readonly tenant: string;
  readonly faults: KeyVaultFault[] = [];
  readonly requests: KeyVaultRequestRecord[] = [];
  /** The https base URL (after start), e.g. https://127.0.0.1:41234. */
  url = '';
  /** PEM of the TLS certificate (after start): the one CA to trust for this stand-in. */
  caPem = '';
  private readonly secrets = new Map<string, Item<SecretVersion>>();
  private readonly certificates = new Map<string, Item<CertificateVersion>>();
  private server: Server | null = null;
  private readonly o: KeyVaultEmulatorOptions;

  constructor(options: KeyVaultEmulatorOptions = {}) {
    this.o = options;
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.tenant = options.tenant ?? randomUUID();
  }

  private now(): number {
    return Math.floor((this.o.now ?? Date.now)() / 1000);
  }

  /** Starts listening on https; resolves with the vault URL. */
  async start(): Promise<string> {
    const { cert, key } = await tlsCertificate();
    this.caPem = cert;
    const { createServer } = await import('node:https');
    this.server = createServer({ cert, key }, (req, res) => this.handle(req, res));
    const host = this.o.host ?? '127.0.0.1';
    const port = await listen(this.server, this.o.port ?? 0, host, 'keyvault emulator');
    this.url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await close(server);
  }

  /** Adds a secret version (any content); returns its versioned URL. */
  addSecret(name: string, value: string, options: { contentType?: string | null; enabled?: boolean } = {}): { id: string; version: string } {
    const item = this.item(this.secrets, name);
    const v: SecretVersion = { version: newVersion(), value, contentType: options.contentType ?? null, enabled: options.enabled ?? true, created: this.now(), managed: false };
    item.versions.push(v);
    return { id: `${this.url}/secrets/${item.name}/${v.version}`, version: v.version };
  }

  /** Adds a PKCS#12 secret (base64, `application/x-pkcs12`), as `az keyvault secret set --encoding base64` would. */
  addPkcs12Secret(name: string, pkcs12: Uint8Array): { id: string; version: string } {
    return this.addSecret(name, Buffer.from(pkcs12).toString('base64'), { contentType: 'application/x-pkcs12' });
  }

  /** Adds a PEM secret (`application/x-pem-file`). */
  addPemSecret(name: string, pem: string): { id: string; version: string } {
    return this.addSecret(name, pem, { contentType: 'application/x-pem-file' });
  }

  /**
   * Imports a certificate version: a PKCS#12 with the empty password (or `password`), or PEM
   * (key and certificates). Like Key Vault, it gets a secret of the same name and version holding
   * the bundle (`application/x-pkcs12` base64 with the empty password, or the PEM), and a `sid`.
   */
  async addCertificate(
    name: string,
    source: { pkcs12: Uint8Array; password?: string } | { pem: string },
    options: { enabled?: boolean } = {},
  ): Promise<{ id: string; sid: string; version: string; thumbprint: string }> {
    const isPem = 'pem' in source;
    const pkcs12 = isPem ? await pemToPkcs12(source.pem) : source.pkcs12;
    const bundle = await readPkcs12(pkcs12, { password: isPem ? '' : (source.password ?? '') });
    const leafIndex = bundle.certificates.findIndex((c) => c.thumbprint === bundle.leaf);
    if (leafIndex < 0) throw new PfxkitError('USAGE', `certificate ${name}: the bundle has no certificate with its private key`);
    const leaf = bundle.certificates[leafIndex]!;
    const der = bundle.certificateDer[leafIndex]!;
    const item = this.item(this.certificates, name);
    const version = newVersion();
    const enabled = options.enabled ?? true;
    const contentType = isPem ? 'application/x-pem-file' : 'application/x-pkcs12';
    item.versions.push({ version, der, subject: leaf.subject, nbf: leaf.notBefore, exp: leaf.notAfter, enabled, created: this.now(), contentType });
    const secretItem = this.item(this.secrets, item.name);
    secretItem.versions.push({
      version,
      value: isPem ? source.pem : Buffer.from(pkcs12).toString('base64'),
      contentType,
      enabled,
      created: this.now(),
      managed: true,
      nbf: leaf.notBefore,
      exp: leaf.notAfter,
    });
    return { id: `${this.url}/certificates/${item.name}/${version}`, sid: `${this.url}/secrets/${item.name}/${version}`, version, thumbprint: leaf.thumbprint };
  }

  private item<T>(map: Map<string, Item<T>>, name: string): Item<T> {
    if (!/^[0-9A-Za-z-]{1,127}$/.test(name)) throw new PfxkitError('USAGE', `"${name}" is not a Key Vault object name`);
    // Key Vault names are case-insensitive.
    let item = map.get(name.toLowerCase());
    if (!item) {
      item = { name, versions: [] };
      map.set(name.toLowerCase(), item);
    }
    return item;
  }

  private takeFault(method: string, path: string): KeyVaultFault | null {
    for (const f of this.faults) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path && !f.path.test(path)) continue;
      const left = (f.times ?? 1) - 1;
      if (left <= 0) this.faults.splice(this.faults.indexOf(f), 1);
      else f.times = left;
      return f;
    }
    return null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const auth = req.headers.authorization ?? '';
    const authorized = auth === `Bearer ${this.token}`;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path, status, requestId, authorized });
      this.o.log?.(`keyvault: ${method} ${path} -> ${status}`);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': requestId, 'x-ms-keyvault-service-version': '1.9.0.0', 'cache-control': 'no-cache', ...headers });
      res.end(JSON.stringify(body));
    };
    // The body (GETs have none) is drained so the connection can be reused.
    req.resume();
    try {
      if (!authorized) {
        const challenge = `Bearer authorization="https://login.microsoftonline.com/${this.tenant}", resource="${RESOURCE}"`;
        const message = auth ? 'AKV10032: Invalid issuer. The token is not accepted by this vault.' : 'AKV10000: Request is missing a Bearer or PoP token.';
        throw new KvError(401, 'Unauthorized', message, { 'www-authenticate': challenge });
      }
      if (!url.searchParams.get('api-version')) throw new KvError(400, 'BadParameter', "The 'api-version' query parameter is missing.");
      const fault = this.takeFault(method, path);
      if (fault) {
        const status = fault.kind === 'throttle' ? 429 : (fault.status ?? 503);
        const code = fault.code ?? DEFAULT_CODES[status] ?? 'Error';
        const message =
          fault.message ??
          (status === 429
            ? 'Request was not processed because too many requests were received. Reason: A best effort throttling was applied.'
            : status === 403
              ? `The user, group or application does not have permission for this operation on key vault '127.0.0.1'.`
              : 'The service is unavailable.');
        throw new KvError(status, code, message, status === 429 ? { 'retry-after': fault.retryAfter ?? '1' } : {}, status === 403 ? 'AccessDenied' : undefined);
      }
      if (method !== 'GET') throw new KvError(405, 'MethodNotAllowed', `The stand-in serves GET only, not ${method}.`);
      const seg = path
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s));
      if (seg[0] === 'certificates' && seg.length === 1) return send(200, this.listCertificates(url));
      if (seg[0] === 'secrets' && (seg.length === 2 || seg.length === 3)) return send(200, this.secretBundle(seg[1]!, seg[2]));
      if (seg[0] === 'certificates' && (seg.length === 2 || seg.length === 3)) return send(200, this.certificateBundle(seg[1]!, seg[2]));
      throw new KvError(404, 'NotFound', `No route for ${path}.`);
    } catch (err) {
      if (err instanceof KvError) {
        send(err.status, { error: { code: err.code, message: err.message, ...(err.inner ? { innererror: { code: err.inner } } : {}) } }, err.headers);
      } else {
        this.o.log?.(`keyvault: ${String(err)}`);
        send(500, { error: { code: 'InternalServerError', message: 'stand-in failure' } });
      }
    }
  }

  private find<T extends { version: string }>(map: Map<string, Item<T>>, name: string, version: string | undefined, kind: 'Secret' | 'Certificate'): { item: Item<T>; v: T } {
    const item = map.get(name.toLowerCase());
    const v = item ? (version ? item.versions.find((x) => x.version === version.toLowerCase()) : item.versions[item.versions.length - 1]) : undefined;
    if (!item || !v) {
      const what = version ? `(name/id) ${name} with version ${version}` : `(name/id) ${name}`;
      throw new KvError(
        404,
        `${kind}NotFound`,
        `A ${kind.toLowerCase()} with ${what} was not found in this key vault. If you recently deleted this ${kind.toLowerCase()} you may be able to recover it using the correct recovery command.`,
      );
    }
    return { item, v };
  }

  private attributes(v: { enabled: boolean; created: number; nbf?: number; exp?: number }): Record<string, unknown> {
    return {
      enabled: v.enabled,
      ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
      ...(v.exp !== undefined ? { exp: v.exp } : {}),
      created: v.created,
      updated: v.created,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    };
  }

  private secretBundle(name: string, version: string | undefined): unknown {
    const { item, v } = this.find(this.secrets, name, version, 'Secret');
    if (!v.enabled) throw new KvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', {}, 'SecretDisabled');
    return {
      value: v.value,
      ...(v.contentType ? { contentType: v.contentType } : {}),
      id: `${this.url}/secrets/${item.name}/${v.version}`,
      attributes: this.attributes(v),
      tags: {},
      ...(v.managed ? { kid: `${this.url}/keys/${item.name}/${v.version}`, managed: true } : {}),
    };
  }

  private certificateBundle(name: string, version: string | undefined): unknown {
    const { item, v } = this.find(this.certificates, name, version, 'Certificate');
    const base = `${this.url}/certificates/${item.name}`;
    return {
      id: `${base}/${v.version}`,
      kid: `${this.url}/keys/${item.name}/${v.version}`,
      sid: `${this.url}/secrets/${item.name}/${v.version}`,
      x5t: createHash('sha1').update(v.der).digest('base64url'),
      cer: Buffer.from(v.der).toString('base64'),
      attributes: this.attributes(v),
      policy: {
        id: `${base}/policy`,
        key_props: { exportable: true, kty: new X509Certificate(v.der).publicKey.asymmetricKeyType === 'ec' ? 'EC' : 'RSA', reuse_key: false },
        secret_props: { contentType: v.contentType },
        x509_props: { subject: v.subject, ekus: ['1.3.6.1.5.5.7.3.2'], key_usage: ['digitalSignature'], validity_months: Math.max(1, Math.round((v.exp - v.nbf) / (30 * 86_400))) },
        issuer: { name: 'Self' },
        attributes: { enabled: true, created: v.created, updated: v.created },
      },
      tags: {},
    };
  }

  private listCertificates(url: URL): unknown {
    const pageSize = Math.max(1, Math.min(Number(url.searchParams.get('maxresults')) || this.o.pageSize || 25, this.o.pageSize ?? 25));
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0') || 0;
    const all = [...this.certificates.values()].filter((i) => i.versions.length).sort((a, b) => a.name.localeCompare(b.name));
    const page = all.slice(skip, skip + pageSize).map((i) => {
      const v = i.versions[i.versions.length - 1]!;
      return { id: `${this.url}/certificates/${i.name}`, x5t: createHash('sha1').update(v.der).digest('base64url'), attributes: this.attributes(v), tags: {} };
    });
    const next =
      skip + pageSize < all.length ? `${this.url}/certificates?api-version=${encodeURIComponent(url.searchParams.get('api-version')!)}&$skiptoken=${skip + pageSize}&maxresults=${pageSize}` : null;
    return { value: page, nextLink: next };
  }
}
