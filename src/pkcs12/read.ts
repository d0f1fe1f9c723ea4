/**
 * readPkcs12: PKCS#12 (RFC 7292) bytes or base64 text → a bundle of certificate facts and keys.
 *
 * The walk, section by section: PFX (section 4) → the MAC over the AuthenticatedSafe (MacData,
 * or PBMAC1 of RFC 9579) → the AuthenticatedSafe's ContentInfos (section 4.1) → decrypt the
 * encrypted ones (appendix C, pbe.ts) → the bags of every SafeContents (section 4.2,
 * safebags.ts), decrypting shrouded keys → keys matched to certificates (leaf.ts).
 *
 * Hostile input (limits.ts): the whole visible structure is parsed first, so every iteration count
 * in sight is checked against the limit, and the least work the file needs against the read's
 * budget, before any key is derived; each password try is counted before it is made; parsing and
 * derivation are paced on the event loop (lib/pace.ts).
 */
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { paced } from '../lib/pace.js';
import type { EncryptedPart, Integrity, Pkcs12Bundle } from './bundle.js';
import { toDer } from './input.js';
import { matchKeys, type Matched } from './leaf.js';
import { Budget, limitsOf, parseUnits, type Limits } from './limits.js';
import { parseMacData, type MacCheck } from './mac.js';
import { OID, nameOid } from './oids.js';
import { Passwords } from './passwords.js';
import type { PbeScheme } from './pbe.js';
import { collectBags, parseAuthenticatedSafe, type Collected, type KeyBagEntry } from './safebags.js';

export interface ReadOptions {
  /** The password; absent or empty tries both the absent and the empty PKCS#12 password. */
  password?: string;
  /**
   * Highest iteration count accepted (default 10,000,000), and the total work budget of the read
   * (see limits.ts's workBudget: all parts and password candidates together, weighted by
   * algorithm; by default about 3 s of CPU at most, raised by an explicit maxIterations); over
   * either fails with ITERATIONS_LIMIT before the work. Raise it only for a file you trust.
   */
  maxIterations?: number;
}

/**
 * Reads a PKCS#12 bundle from DER/BER bytes or base64 text (a Key Vault secret, Graph's
 * `pkcs12Value`). Fails with a PfxkitError: `MALFORMED`, `BAD_PASSWORD`, `UNSUPPORTED_ALGORITHM`
 * or `ITERATIONS_LIMIT`.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { readPkcs12 } from 'pfxkit';
 *
 * const bundle = await readPkcs12(await readFile('client.pfx'), { password: process.env.PFX_PASSWORD });
 * console.log(bundle.leaf, bundle.certificates[0]?.notAfter);
 * ```
 */
export async function readPkcs12(data: Uint8Array | ArrayBuffer | string, options: ReadOptions = {}): Promise<Pkcs12Bundle> {
  return readWithin(data, options.password, limitsOf(options.maxIterations));
}

/** PFX ::= SEQUENCE { version, authSafe ContentInfo (data), macData MacData OPTIONAL }. */
function parsePfx(bytes: Uint8Array, limits: Limits): { content: Uint8Array; mac: MacCheck | null } {
  const { node, end } = der.decode(bytes, 'PFX', true);
  if (end !== bytes.length && bytes.subarray(end).some((b) => b !== 0)) {
    throw new PfxkitError('MALFORMED', `PFX: ${bytes.length - end} unexpected bytes after the encoded value`);
  }
  const pfx = der.seq(node, 'PFX', 2);
  // RFC 7292 says v3; like OpenSSL, other values are read rather than refused (the MAC does not cover them).
  der.bigInt(pfx[0], 'PFX version');
  const authSafe = der.seq(pfx[1], 'PFX authSafe', 1);
  const authType = der.oid(authSafe[0], 'authSafe content type');
  if (authType === OID.signedData) {
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `public-key integrity mode (signedData, ${OID.signedData}) is not supported`);
  }
  if (authType !== OID.data) throw new PfxkitError('MALFORMED', `authSafe: content type ${nameOid(authType)}, expected data`);
  const content = der.octets(der.explicit(authSafe[1], 0, 'authSafe content'), 'authSafe data');
  return { content, mac: pfx[2] === undefined ? null : parseMacData(pfx[2], limits) };
}

/** Every promise settled; their values in order, or the first failure in order. */
async function allInOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

const shroudedIn = (keys: readonly KeyBagEntry[]): KeyBagEntry[] => keys.filter((k) => k.shrouded !== null);
const partOf = (part: EncryptedPart['part'], s: PbeScheme): EncryptedPart => ({ part, family: s.family, cipher: s.cipher, iterations: s.iterations, description: s.description });

/** readPkcs12 with the limits spelled out (tests set a small work budget through it). */
export async function readWithin(data: Uint8Array | ArrayBuffer | string, password: string | undefined, limits: Limits): Promise<Pkcs12Bundle> {
  // 1. Structure, with every visible iteration count checked.
  const bytes = toDer(data);
  await paced(parseUnits(bytes.length));
  const { content, mac } = parsePfx(bytes, limits);
  const safes = parseAuthenticatedSafe(content, limits);
  const collected: Collected = { certs: [], keys: [], skipped: [] };
  for (const s of safes) if (s.kind === 'plain') await collectBags(s.bytes, collected, limits, false);
  const encrypted = safes.flatMap((s) => (s.kind === 'encrypted' ? [s] : []));
  const keysInSight = shroudedIn(collected.keys);

  // The least work in sight (the MAC and each part once) must fit before any is done.
  const budget = new Budget(limits.workBudget);
  const passwords = new Passwords(password, budget);
  const once = (s: MacCheck | PbeScheme) => s.kdf(passwords.candidates(s.passwordForm)[0]!);
  budget.check([...(mac ? once(mac) : []), ...encrypted.flatMap((s) => once(s.scheme)), ...keysInSight.flatMap((k) => once(k.shrouded!.scheme))]);

  // 2. Integrity decides the password encoding of the parts in its form. Parts in the other form
  // (PBES2's UTF-8 beside a PKCS#12 MAC) have nothing to learn from it: when the MAC has one
  // encoding to try, they are decrypted alongside (the NSS file's two 600,000-count PBKDF2s and
  // its MAC at once), the MAC's verdict still first.
  const integrity = mac ? passwords.verifyMac(mac, content) : Promise.resolve();
  const schemesInSight = [...encrypted.map((s) => s.scheme), ...keysInSight.map((k) => k.shrouded!.scheme)];
  const alongside = mac !== null && passwords.candidates(mac.passwordForm).length === 1 && schemesInSight.every((s) => s.passwordForm !== mac.passwordForm);
  if (!alongside) await integrity;

  // 3. Encrypted safes and the shrouded keys in sight, side by side (their derivations are
  // independent); then the shrouded keys the safes held.
  const openKey = (k: KeyBagEntry): Promise<Uint8Array> => passwords.decrypt(k.shrouded!.scheme, k.shrouded!.data, 'private key');
  const opening = allInOrder([...encrypted.map((s) => passwords.decrypt(s.scheme, s.data, 'encrypted safe')), ...keysInSight.map(openKey)]);
  const [, opened] = (await allInOrder<unknown>([integrity, opening])) as [unknown, Uint8Array[]];
  for (const [i, k] of keysInSight.entries()) k.pkcs8 = opened[encrypted.length + i]!;
  for (const plain of opened.slice(0, encrypted.length)) {
    await paced(parseUnits(plain.length));
    await collectBags(plain, collected, limits, true);
  }
  const keysInSafes = shroudedIn(collected.keys).filter((k) => k.pkcs8 === null);
  for (const [i, pkcs8] of (await allInOrder(keysInSafes.map(openKey))).entries()) keysInSafes[i]!.pkcs8 = pkcs8;

  // 4. Certificates, keys, and which key belongs to which certificate.
  const parts = [...encrypted.map((s) => partOf('safe', s.scheme)), ...shroudedIn(collected.keys).map((k) => partOf('key', k.shrouded!.scheme))];
  return bundleOf(await matchKeys(collected.certs, collected.keys), mac, parts, collected.skipped);
}

/** The bundle: `inspect --json`'s fields enumerable, key material and DER not. */
function bundleOf(m: Matched, mac: MacCheck | null, parts: EncryptedPart[], skipped: string[]): Pkcs12Bundle {
  const integrity: Integrity = mac ? { kind: mac.kind, digest: mac.digest, iterations: mac.iterations } : { kind: 'none', digest: null, iterations: null };
  const bundle = {
    certificates: m.certificates.map((c) => c.info),
    leaf: m.leaf,
    privateKeys: m.keys.length,
    integrity,
    encryption: parts.map((p) => `${p.part}: ${p.description}`),
  };
  Object.defineProperties(bundle, {
    keys: { value: m.keys, enumerable: false },
    parts: { value: parts, enumerable: false },
    certificateDer: { value: m.certificates.map((c) => c.der), enumerable: false },
    skippedBags: { value: skipped, enumerable: false },
  });
  return bundle as Pkcs12Bundle;
}
