/**
 * The emulator's API connectors: state and rules apart from HTTP routing. A connector keeps its
 * certificates' facts and upload order, never a PKCS#12, a password or a Basic password.
 */
import { randomUUID } from 'node:crypto';
import type { CertificateListEntry } from '../graph/types.js';
import { HttpError } from './http-error.js';
import type { GraphRules } from './rules.js';
import type { UploadedCertificate } from './upload.js';

export interface StoredCert {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  /** Upload order, for the active rule. */
  seq: number;
}

export interface StoredConnector {
  id: string;
  displayName: string;
  targetUrl: string;
  auth: { type: 'basic'; username: string } | { type: 'cert'; certificates: StoredCert[] };
}

/** Reads an uploaded bundle (pkcs12Value and password) into the certificate's facts. */
export type ReadUpload = (value: unknown, password: unknown) => Promise<UploadedCertificate>;

/** `@odata.type` without its optional leading `#` (Graph takes both). */
const typeOf = (cfg: Record<string, unknown> | undefined): string => String(cfg?.['@odata.type'] ?? '').replace(/^#/, '');

const stored = (c: UploadedCertificate, seq: number): StoredCert => ({ thumbprint: c.thumbprint, notBefore: c.notBefore, notAfter: c.notAfter, seq });

/** The upload order of the active certificate at `nowS`, under the active rule. */
function activeSeq(certs: StoredCert[], nowS: number, rule: GraphRules['activeRule']): number | null {
  const valid = certs.filter((c) => c.notBefore <= nowS && nowS < c.notAfter).map((c) => c.seq);
  if (!valid.length) return null;
  return rule === 'oldest' ? Math.min(...valid) : Math.max(...valid);
}

/** The connector as Graph shows it at `nowS`. */
export function connectorView(c: StoredConnector, nowS: number, rules: GraphRules): Record<string, unknown> {
  let auth: Record<string, unknown>;
  if (c.auth.type === 'basic') {
    auth = { '@odata.type': '#microsoft.graph.basicAuthentication', username: c.auth.username, password: '******' };
  } else {
    const active = activeSeq(c.auth.certificates, nowS, rules.activeRule);
    const certificateList: CertificateListEntry[] = c.auth.certificates.map((x) => ({ thumbprint: x.thumbprint, notBefore: x.notBefore, notAfter: x.notAfter, isActive: x.seq === active }));
    auth = { '@odata.type': '#microsoft.graph.clientCertificateAuthentication', certificateList };
  }
  return { id: c.id, displayName: c.displayName, targetUrl: c.targetUrl, authenticationConfiguration: auth };
}

export function findConnector(all: StoredConnector[], id: string): StoredConnector {
  const c = all.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!c) throw new HttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  return c;
}

/** An authenticationConfiguration as stored: Basic (its password dropped) or one certificate. */
export async function authFrom(a: unknown, read: ReadUpload, seq: () => number): Promise<StoredConnector['auth']> {
  const cfg = a as Record<string, unknown> | undefined;
  const type = typeOf(cfg);
  if (type === 'microsoft.graph.basicAuthentication') {
    if (typeof cfg!.username !== 'string' || typeof cfg!.password !== 'string') throw new HttpError(400, 'BadRequest', 'basicAuthentication needs username and password');
    return { type: 'basic', username: cfg!.username };
  }
  if (type === 'microsoft.graph.pkcs12Certificate') return { type: 'cert', certificates: [stored(await read(cfg!.pkcs12Value, cfg!.password), seq())] };
  throw new HttpError(400, 'BadRequest', `unsupported authenticationConfiguration @odata.type ${String(cfg?.['@odata.type'])}`);
}

/** POST connectors: the new connector (displayName and targetUrl required). */
export async function newConnector(b: Record<string, unknown>, read: ReadUpload, seq: () => number): Promise<StoredConnector> {
  if (typeof b.displayName !== 'string' || typeof b.targetUrl !== 'string') throw new HttpError(400, 'BadRequest', 'displayName and targetUrl are required');
  return { id: randomUUID(), displayName: b.displayName, targetUrl: b.targetUrl, auth: await authFrom(b.authenticationConfiguration, read, seq) };
}

/** uploadClientCertificate: appends, under the Basic-upload and duplicate rules. */
export async function uploadTo(c: StoredConnector, b: Record<string, unknown>, read: ReadUpload, seq: () => number, rules: GraphRules): Promise<void> {
  if (c.auth.type === 'basic' && rules.basicUpload !== 'convert') {
    throw new HttpError(400, 'BadRequest', 'The API connector uses basic authentication: a client certificate cannot be uploaded to it.');
  }
  const cert = await read(b.pkcs12Value, b.password);
  if (c.auth.type === 'cert' && rules.acceptDuplicate === false && c.auth.certificates.some((x) => x.thumbprint === cert.thumbprint)) {
    throw new HttpError(400, 'BadRequest', `A certificate with thumbprint ${cert.thumbprint} is already present.`);
  }
  if (c.auth.type === 'cert') c.auth.certificates.push(stored(cert, seq()));
  else c.auth = { type: 'cert', certificates: [stored(cert, seq())] };
}
