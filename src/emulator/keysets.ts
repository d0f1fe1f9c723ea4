/**
 * The emulator's B2C policy keysets (Graph beta; SPEC.md's "B2C custom-policy keys"): state and
 * rules apart from HTTP routing. Keys are kept as public JWK facts (kid, kty, use, nbf, exp, x5t,
 * x5c: the certificate only), never the PKCS#12 or its password. The active key is the one with
 * the latest nbf that has passed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HttpError } from './http-error.js';
import type { UploadedCertificate } from './upload.js';

export interface StoredKey {
  kid: string;
  kty: string;
  use: string;
  nbf: number;
  exp: number;
  x5t: string;
  x5c: string[];
  /** Upload order, to break nbf ties. */
  seq: number;
}

export interface StoredKeySet {
  id: string;
  keys: StoredKey[];
}

const PREFIX = 'B2C_1A_';

/** A keyset id as Graph stores it: with the `B2C_1A_` prefix. */
export const keysetId = (id: string): string => (id.toUpperCase().startsWith(PREFIX) ? id : `${PREFIX}${id}`);

export const keyView = (k: StoredKey): Record<string, unknown> => ({ kid: k.kid, use: k.use, kty: k.kty, nbf: k.nbf, exp: k.exp, x5t: k.x5t, x5c: k.x5c });
export const keysetView = (k: StoredKeySet): Record<string, unknown> => ({ id: k.id, keys: k.keys.map(keyView) });

export function findKeySet(all: StoredKeySet[], id: string): StoredKeySet {
  const k = all.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!k) throw new HttpError(404, 'ResourceNotFound', `The key set '${id}' was not found.`);
  return k;
}

/** POST keySets: 201 with the new keyset; 409 when one has that id. */
export function createKeySet(all: StoredKeySet[], body: Record<string, unknown>): StoredKeySet {
  if (typeof body.id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(body.id)) throw new HttpError(400, 'BadRequest', 'id is required (letters, digits, _ and -)');
  const id = keysetId(body.id);
  if (all.some((x) => x.id.toLowerCase() === id.toLowerCase())) throw new HttpError(409, 'Conflict', `A key set with the id '${id}' already exists.`);
  const created: StoredKeySet = { id, keys: [] };
  all.push(created);
  return created;
}

/** The key B2C uses at `nowS`: the latest nbf that has passed (the later upload on a tie). */
export function activeKey(set: StoredKeySet, nowS: number): StoredKey | null {
  let best: StoredKey | null = null;
  for (const k of set.keys) if (k.nbf <= nowS && (!best || k.nbf > best.nbf || (k.nbf === best.nbf && k.seq > best.seq))) best = k;
  return best;
}

/** uploadPkcs12: a new key from the leaf certificate, refused when the thumbprint is there and duplicates are not accepted. */
export function addKey(set: StoredKeySet, cert: UploadedCertificate, seq: number, acceptDuplicate: boolean): StoredKey {
  const x5t = createHash('sha1').update(cert.der).digest('base64url');
  if (!acceptDuplicate && set.keys.some((k) => k.x5t === x5t)) throw new HttpError(400, 'BadRequest', `A key with x5t ${x5t} is already present.`);
  const key: StoredKey = {
    kid: randomBytes(16).toString('base64url'),
    kty: cert.keyAlgorithm === 'EC' ? 'EC' : 'RSA',
    use: 'sig',
    nbf: cert.notBefore,
    exp: cert.notAfter,
    x5t,
    x5c: [Buffer.from(cert.der).toString('base64')],
    seq,
  };
  set.keys.push(key);
  return key;
}
