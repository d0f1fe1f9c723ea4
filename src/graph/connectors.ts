/** Typed apiConnector calls: list (all pages), get, create, patch, upload, delete. */
import { PfxkitError } from '../errors.js';
import { TransportError, type GraphHttp, type RequestOptions } from './http.js';
import { listAll } from './paging.js';
import { PKCS12, type ApiConnector } from './types.js';

const BASE = '/identity/apiConnectors';
const enc = encodeURIComponent;

/** Every connector, following `@odata.nextLink` (the whole URL) until it is absent. */
export async function listConnectors(http: GraphHttp, options: { maxPages?: number } = {}): Promise<ApiConnector[]> {
  return listAll<ApiConnector>(http, BASE, 'connectors', options.maxPages);
}

export async function getConnector(http: GraphHttp, id: string): Promise<ApiConnector> {
  return (await http.request<ApiConnector>('GET', `${BASE}/${enc(id)}`)).body;
}

export interface NewConnector {
  displayName: string;
  targetUrl: string;
  authenticationConfiguration:
    | { '@odata.type': '#microsoft.graph.basicAuthentication'; username: string; password: string }
    | { '@odata.type': '#microsoft.graph.pkcs12Certificate'; pkcs12Value: string; password: string };
}

function secretsOf(body: unknown): string[] {
  const a = (body as { authenticationConfiguration?: { password?: string; pkcs12Value?: string } }).authenticationConfiguration;
  return [a?.password ?? '', a?.pkcs12Value ?? ''];
}

/** POST → 201 with the connector. Not retried blindly: a lost answer is GRAPH_UNAVAILABLE. */
export async function createConnector(http: GraphHttp, body: NewConnector): Promise<ApiConnector> {
  try {
    return (await http.request<ApiConnector>('POST', BASE, { body, secrets: secretsOf(body) })).body;
  } catch (err) {
    if (err instanceof TransportError)
      throw new PfxkitError('GRAPH_UNAVAILABLE', `creating connector "${body.displayName}": ${err.message}; it may or may not exist now: list the connectors before trying again`, { cause: err });
    throw err;
  }
}

/** PATCH → 204. With a pkcs12 authenticationConfiguration it replaces the whole certificate list. */
export async function patchConnector(http: GraphHttp, id: string, body: Partial<NewConnector>): Promise<void> {
  await http.request('PATCH', `${BASE}/${enc(id)}`, { body, secrets: secretsOf(body) });
}

/** PATCH with a PKCS#12: the connector's certificate list becomes this one certificate. */
export async function replaceCertificate(http: GraphHttp, id: string, pkcs12Value: string, password: string): Promise<void> {
  await patchConnector(http, id, { authenticationConfiguration: { '@odata.type': PKCS12, pkcs12Value, password } });
}

/**
 * POST uploadClientCertificate → 200 with the connector; appends to certificateList. Throws a
 * TransportError when the outcome is unknown (timeout, lost answer, 5xx): the caller re-reads.
 */
export async function uploadClientCertificate(http: GraphHttp, id: string, pkcs12Value: string, password: string, options: Pick<RequestOptions, 'beforeAttempt'> = {}): Promise<ApiConnector> {
  return (await http.request<ApiConnector>('POST', `${BASE}/${enc(id)}/uploadClientCertificate`, { body: { pkcs12Value, password }, secrets: [pkcs12Value, password], ...options })).body;
}

export async function deleteConnector(http: GraphHttp, id: string): Promise<void> {
  await http.request('DELETE', `${BASE}/${enc(id)}`);
}
