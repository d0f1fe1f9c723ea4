/**
 * Typed calls for B2C custom-policy keysets (trustFrameworkKeySet, Graph beta only; SPEC.md's "B2C
 * custom-policy keys"): list (all pages), get, create, uploadPkcs12, getActiveKey; and the
 * planner's view of a keyset. Keys are JWKs: `x5t` is the base64url SHA-1 of the certificate,
 * converted here to Graph's connector form (40 uppercase hex); `nbf`/`exp` are epoch seconds.
 */
import { PfxkitError } from '../errors.js';
import type { Target, TargetCertificate } from '../rotation/target.js';
import type { GraphHttp, RequestOptions } from './http.js';
import { listAll } from './paging.js';

/** A trustFrameworkKey as Graph returns it. */
export interface TrustFrameworkKey {
  kid?: string;
  kty?: string;
  use?: string;
  nbf?: number;
  exp?: number;
  x5t?: string;
  x5c?: string[];
}

export interface TrustFrameworkKeySet {
  id: string;
  keys: TrustFrameworkKey[];
}

const BASE = '/trustFramework/keySets';
/** A keyset with its `keys` always an array. */
const normal = (k: TrustFrameworkKeySet): TrustFrameworkKeySet => ({ ...k, keys: Array.isArray(k?.keys) ? k.keys : [] });
const enc = encodeURIComponent;

/** A keyset id as Graph stores it: Graph adds the `B2C_1A_` prefix to an id that lacks it. */
export const keysetIdOf = (id: string): string => (/^B2C_1A_/i.test(id) ? id : `B2C_1A_${id}`);

/** A JWK `x5t` (base64url SHA-1) in Graph's connector thumbprint form, or null when it is not one. */
export function thumbprintOfX5t(x5t: string | undefined): string | null {
  if (typeof x5t !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(x5t)) return null;
  const bytes = Buffer.from(x5t, 'base64url');
  return bytes.length === 20 ? bytes.toString('hex').toUpperCase() : null;
}

/** Every keyset of the tenant, following `@odata.nextLink` until it is absent. */
export async function listKeySets(http: GraphHttp, options: { maxPages?: number } = {}): Promise<TrustFrameworkKeySet[]> {
  return (await listAll<TrustFrameworkKeySet>(http, BASE, 'keysets', options.maxPages)).map(normal);
}

export async function getKeySet(http: GraphHttp, id: string): Promise<TrustFrameworkKeySet> {
  return normal((await http.request<TrustFrameworkKeySet>('GET', `${BASE}/${enc(id)}`)).body);
}

/**
 * POST → 201 with the keyset; Graph adds the `B2C_1A_` prefix to an id that lacks it. A lost
 * answer is GRAPH_UNAVAILABLE: read the keyset before trying again.
 */
export async function createKeySet(http: GraphHttp, id: string): Promise<TrustFrameworkKeySet> {
  return normal((await http.request<TrustFrameworkKeySet>('POST', BASE, { body: { id } })).body);
}

/**
 * POST uploadPkcs12 → 200 with the new key. Not idempotent: a TransportError means the outcome is
 * unknown, and the caller re-reads the keyset before posting again.
 */
export async function uploadPkcs12(http: GraphHttp, id: string, key: string, password: string, options: Pick<RequestOptions, 'beforeAttempt'> = {}): Promise<TrustFrameworkKey> {
  return (await http.request<TrustFrameworkKey>('POST', `${BASE}/${enc(id)}/uploadPkcs12`, { body: { key, password }, secrets: [key, password], ...options })).body;
}

/** The key B2C uses now, or null when the keyset has none (Graph answers 404). */
export async function getActiveKey(http: GraphHttp, id: string): Promise<TrustFrameworkKey | null> {
  try {
    return (await http.request<TrustFrameworkKey>('GET', `${BASE}/${enc(id)}/getActiveKey`)).body;
  } catch (err) {
    if (err instanceof PfxkitError && err.code === 'GRAPH_NOT_FOUND') return null;
    throw err;
  }
}

/** The certificate keys of a keyset (those with an x5t and both epochs), with B2C's active flag. */
export function keysetCertificates(keyset: TrustFrameworkKeySet, active: TrustFrameworkKey | null): (TargetCertificate & { kid: string | null })[] {
  const activeThumb = thumbprintOfX5t(active?.x5t);
  const out: (TargetCertificate & { kid: string | null })[] = [];
  for (const k of keyset.keys) {
    const thumbprint = thumbprintOfX5t(k.x5t);
    if (!thumbprint || typeof k.nbf !== 'number' || typeof k.exp !== 'number') continue;
    const isActive = active?.kid !== undefined && k.kid !== undefined ? active.kid === k.kid : thumbprint === activeThumb;
    out.push({ kid: k.kid ?? null, thumbprint, notBefore: k.nbf, notAfter: k.exp, isActive });
  }
  return out;
}

/** The planner's view of a keyset. */
export function keysetTarget(keyset: TrustFrameworkKeySet, active: TrustFrameworkKey | null): Target {
  const certificates = keysetCertificates(keyset, active).map(({ thumbprint, notBefore, notAfter, isActive }) => ({ thumbprint, notBefore, notAfter, isActive }));
  return { kind: 'keyset', id: keyset.id, displayName: null, basic: false, certificates };
}
