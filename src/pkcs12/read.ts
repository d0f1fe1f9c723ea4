/**
 * readPkcs12: PKCS#12 (RFC 7292) bytes or base64 text → a bundle of certificate facts and keys.
 *
 * Order of work: the whole visible structure is parsed first, so every iteration count that can
 * be seen is checked against the limit before any derivation; then the MAC settles which password
 * encoding is right (a SHA-1 MAC's first try taking the PKCS#12 PBE keys in sight along in its
 * SIMD lanes); then the keys of every encrypted safe and shrouded key in sight are derived in one
 * batch (independent chains share SIMD lanes, PBKDF2s share the thread pool) and those
 * parts decrypted, then likewise the shrouded keys found inside them, each inner count again
 * checked before its derivation; finally keys are matched to certificates by public key.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { parseCertificate, type ParsedCertificate } from '../cert/facts.js';
import { derivedPublicId, pkcs8Facts } from '../cert/keys.js';
import { orderCertificates } from '../cert/chain.js';
import type { EncryptedPart, Integrity, Pkcs12Bundle, PrivateKeyEntry } from './bundle.js';
import { toDer } from './input.js';
import { KdfSession, bmpPassword, legacyOpensslPassword, sha1Chains, utf8Password, workOf, type KdfRequest } from './kdf.js';
import { pace } from '../lib/pace.js';
import { DEFAULT_MAX_ITERATIONS, workBudget, type Limits } from './limits.js';
import { parseMacData, type MacCheck } from './mac.js';
import { OID, OID_NAMES, nameOid } from './oids.js';
import { parsePbe, type PasswordForm, type PbeScheme } from './pbe.js';

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

interface Attributes {
  friendlyName: string | null;
  localKeyId: string | null;
}

interface CertBagEntry extends Attributes {
  der: Uint8Array;
}

interface KeyBagEntry extends Attributes {
  pkcs8: Uint8Array | null;
  storage: PrivateKeyEntry['storage'];
  shrouded: { scheme: PbeScheme; data: Uint8Array } | null;
}

interface Collected {
  certs: CertBagEntry[];
  keys: KeyBagEntry[];
  skipped: string[];
}

/** Nesting of safeContentsBag inside safeContentsBag. */
const MAX_BAG_NESTING = 8;
/**
 * Declared work (lib/pace.ts units) of parsing: a fixed part (a read of a small file costs about
 * 1 ms beyond its key derivations), then a unit for every 8 bytes (certificate parsing measured
 * 54 µs for 906 bytes).
 */
const parseUnits = (bytes: number): number => 2000 + Math.ceil(bytes / 8);
/** The same for one bag or certificate among many: a small fixed part, a unit for every 8 bytes. */
const bagUnits = (bytes: number): number => 20 + Math.ceil(bytes / 8);

/** Awaits the pacer when it asks to (see lib/pace.ts). */
async function paced(units: number): Promise<void> {
  const wait = pace(units);
  if (wait) await wait;
}

function passwordCandidates(password: string | undefined, form: PasswordForm): Uint8Array[] {
  if (form === 'utf8') return [utf8Password(password ?? '')];
  if (password === undefined) return [bmpPassword(undefined), bmpPassword('')];
  if (password === '') return [bmpPassword(''), bmpPassword(undefined)];
  const list = [bmpPassword(password)];
  if (/[^\u0000-\u007f]/.test(password)) list.push(legacyOpensslPassword(password));
  return list;
}

function parseAttributes(node: der.Node | undefined, what: string): Attributes {
  const out: Attributes = { friendlyName: null, localKeyId: null };
  if (node === undefined) return out;
  for (const attr of der.set(node, `${what} attributes`)) {
    const a = der.seq(attr, `${what} attribute`, 2);
    const id = der.oid(a[0], `${what} attribute type`);
    const values = der.set(a[1], `${what} attribute values`);
    if (id === OID.friendlyName && values[0]) out.friendlyName = der.anyString(values[0], `${what} friendlyName`);
    if (id === OID.localKeyId && values[0] && der.isUniversal(values[0], der.TAG.OCTET_STRING)) {
      out.localKeyId = Buffer.from(der.octets(values[0], `${what} localKeyId`)).toString('hex').toUpperCase();
    }
  }
  return out;
}

/**
 * Walks a SafeContents (`inEncryptedSafe`: decrypted from an encrypted safe), collecting
 * certificates and keys; shrouded keys are parsed (limits checked), not decrypted.
 */
async function collectBags(bytes: Uint8Array, into: Collected, limits: Limits, inEncryptedSafe: boolean): Promise<void> {
  const { node } = der.decode(bytes, 'SafeContents');
  await walkBags(node, into, limits, 0, inEncryptedSafe);
}

async function walkBags(node: der.Node, into: Collected, limits: Limits, depth: number, inEncryptedSafe: boolean): Promise<void> {
  const bags = der.seq(node, 'SafeContents');
  for (const bagNode of bags) {
    // Paced: a file can hold tens of thousands of bags.
    await paced(bagUnits(bagNode.end - bagNode.start));
    const bag = der.seq(bagNode, 'SafeBag', 2);
    const bagId = der.oid(bag[0], 'SafeBag type');
    const value = der.explicit(bag[1], 0, 'SafeBag value');
    const what = OID_NAMES[bagId] ?? 'SafeBag';
    switch (bagId) {
      case OID.certBag: {
        const attrs = parseAttributes(bag[2], what);
        const cb = der.seq(value, 'CertBag', 2);
        const certId = der.oid(cb[0], 'CertBag type');
        if (certId !== OID.x509Certificate) {
          into.skipped.push(`certBag ${nameOid(certId)}`);
          break;
        }
        // Copied: the bundle must not alias the caller's buffer.
        into.certs.push({ ...attrs, der: der.octets(der.explicit(cb[1], 0, 'CertBag value'), 'CertBag certificate').slice() });
        break;
      }
      case OID.keyBag: {
        der.seq(value, 'PrivateKeyInfo', 3);
        into.keys.push({ ...parseAttributes(bag[2], what), pkcs8: der.rawBytes(value).slice(), storage: inEncryptedSafe ? 'safe' : 'plain', shrouded: null });
        break;
      }
      case OID.pkcs8ShroudedKeyBag: {
        const epki = der.seq(value, 'EncryptedPrivateKeyInfo', 2);
        const scheme = parsePbe(epki[0], 'shrouded private key', limits);
        const data = der.octets(epki[1], 'EncryptedPrivateKeyInfo data');
        into.keys.push({ ...parseAttributes(bag[2], what), pkcs8: null, storage: 'shrouded', shrouded: { scheme, data } });
        break;
      }
      case OID.safeContentsBag: {
        if (depth >= MAX_BAG_NESTING) throw new PfxkitError('MALFORMED', 'safeContentsBag nested too deeply');
        await walkBags(value, into, limits, depth + 1, inEncryptedSafe);
        break;
      }
      default:
        into.skipped.push(OID_NAMES[bagId] ?? bagId);
    }
  }
}

type SafePart = { kind: 'plain'; bytes: Uint8Array } | { kind: 'encrypted'; scheme: PbeScheme; data: Uint8Array };

function parseAuthenticatedSafe(bytes: Uint8Array, limits: Limits): SafePart[] {
  const { node } = der.decode(bytes, 'AuthenticatedSafe');
  return der.seq(node, 'AuthenticatedSafe').map((ciNode) => {
    const ci = der.seq(ciNode, 'AuthenticatedSafe ContentInfo', 1);
    const type = der.oid(ci[0], 'ContentInfo type');
    if (type === OID.data) {
      return { kind: 'plain', bytes: der.octets(der.explicit(ci[1], 0, 'ContentInfo content'), 'SafeContents data') };
    }
    if (type === OID.encryptedData) {
      const ed = der.seq(der.explicit(ci[1], 0, 'EncryptedData'), 'EncryptedData', 2);
      const eci = der.seq(ed[1], 'EncryptedContentInfo', 3);
      const scheme = parsePbe(eci[1], 'encrypted safe', limits);
      return { kind: 'encrypted', scheme, data: der.implicitOctets(eci[2], 0, 'EncryptedContentInfo content') };
    }
    if (type === OID.envelopedData) {
      throw new PfxkitError('UNSUPPORTED_ALGORITHM', `public-key privacy mode (envelopedData, ${OID.envelopedData}) is not supported`);
    }
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `safe content type ${nameOid(type)} is not supported`);
  });
}

const unitsOf = (reqs: readonly KdfRequest[]): number => reqs.reduce((sum, r) => sum + workOf(r), 0);
const round = (units: number): string => Math.ceil(units).toLocaleString('en-US');

/** The read's one budget of key derivation work (kdf.ts's workOf units), spent before each derivation. */
class Work {
  private spent = 0;
  constructor(private readonly budget: number) {}
  /** True when `units` more fit in the budget. */
  affords(units: number): boolean {
    return this.spent + units <= this.budget;
  }
  /** Counts work about to be done; ITERATIONS_LIMIT, before it is done, when it does not fit. */
  spend(units: number): void {
    if (!this.affords(units)) this.refuse(this.spent + units);
    this.spent += units;
  }
  /** Refuses up front when the least work the file needs is already over the budget. */
  check(least: number): void {
    if (least > this.budget) this.refuse(least);
  }
  private refuse(units: number): never {
    throw new PfxkitError(
      'ITERATIONS_LIMIT',
      `key derivation work of ${round(units)} units (iterations weighted by algorithm, all parts and passwords tried) is over the budget of ${round(this.budget)} (raise maxIterations only for a file you trust)`,
    );
  }
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
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw new PfxkitError('USAGE', 'maxIterations must be a positive integer');
  }
  return readWithin(data, options.password, { maxIterations, workBudget: workBudget(options.maxIterations) });
}

/** readPkcs12 with the limits spelled out (tests set a small work budget through it). */
export async function readWithin(data: Uint8Array | ArrayBuffer | string, password: string | undefined, limits: Limits): Promise<Pkcs12Bundle> {
  const work = new Work(limits.workBudget);

  // 1. Structure, with every visible iteration count checked.
  const bytes = toDer(data);
  await paced(parseUnits(bytes.length));
  const { node: pfxNode, end } = der.decode(bytes, 'PFX', true);
  if (end !== bytes.length && bytes.subarray(end).some((b) => b !== 0)) {
    throw new PfxkitError('MALFORMED', `PFX: ${bytes.length - end} unexpected bytes after the encoded value`);
  }
  const pfx = der.seq(pfxNode, 'PFX', 2);
  // RFC 7292 says v3; like OpenSSL, other values are read rather than refused (the MAC does not cover them).
  der.bigInt(pfx[0], 'PFX version');
  const authSafe = der.seq(pfx[1], 'PFX authSafe', 1);
  const authType = der.oid(authSafe[0], 'authSafe content type');
  if (authType === OID.signedData) {
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `public-key integrity mode (signedData, ${OID.signedData}) is not supported`);
  }
  if (authType !== OID.data) throw new PfxkitError('MALFORMED', `authSafe: content type ${nameOid(authType)}, expected data`);
  const content = der.octets(der.explicit(authSafe[1], 0, 'authSafe content'), 'authSafe data');
  const mac: MacCheck | null = pfx[2] === undefined ? null : parseMacData(pfx[2], limits);
  const safes = parseAuthenticatedSafe(content, limits);
  const collected: Collected = { certs: [], keys: [], skipped: [] };
  for (const s of safes) if (s.kind === 'plain') await collectBags(s.bytes, collected, limits, false);

  // Every part whose encryption can be seen before any decryption.
  const encrypted = safes.filter((s) => s.kind === 'encrypted');
  const shroudedSeen = collected.keys.length;
  const inSight = [...encrypted.map((s) => s.scheme), ...collected.keys.flatMap((k) => (k.shrouded ? [k.shrouded.scheme] : []))];

  // The least work in sight (the MAC and each part once) must fit before any is done.
  const anyPassword = (form: PasswordForm): Uint8Array => passwordCandidates(password, form)[0]!;
  work.check(unitsOf([...(mac ? mac.kdf(anyPassword(mac.passwordForm)) : []), ...inSight.flatMap((sc) => sc.kdf(anyPassword(sc.passwordForm)))]));

  const session = new KdfSession(pace);
  let macPassword: Uint8Array | null = null;
  // Schemes whose keys for their likeliest password were derived ahead, their work already counted.
  const prepaid = new Set<PbeScheme>();
  /**
   * Derives, in one batch, `extra` and the keys of these parts for `pw(scheme)`, counting their
   * work now. Only when the budget affords them all: otherwise each part counts and derives in its
   * own turn, so that deriving ahead never turns a read into ITERATIONS_LIMIT.
   */
  const prepare = async (schemes: PbeScheme[], pw: (scheme: PbeScheme) => Uint8Array, extra: KdfRequest[] = []): Promise<void> => {
    const todo = schemes.filter((scheme) => !prepaid.has(scheme));
    if (!work.affords(todo.reduce((sum, scheme) => sum + unitsOf(scheme.kdf(pw(scheme))), 0))) return;
    for (const scheme of todo) {
      work.spend(unitsOf(scheme.kdf(pw(scheme))));
      prepaid.add(scheme);
    }
    await session.derive([...extra, ...todo.flatMap((scheme) => scheme.kdf(pw(scheme)))]);
  };

  // 2. Integrity decides the password encoding.
  if (mac) {
    const candidates = passwordCandidates(password, mac.passwordForm);
    for (const candidate of candidates) {
      work.spend(unitsOf(mac.kdf(candidate)));
      if (candidates.length === 1) {
        // The PKCS#12 PBE parts ride along with a SHA-1 MAC, in the SIMD lanes it leaves free: a
        // -legacy file takes two rounds of four chains instead of a MAC, a round and one more
        // chain. Only parts no longer than the MAC, at most two rounds in all (a wrong password
        // costs one round more), with one password to try (so nothing is derived twice) and within
        // the budget (prepare's rule).
        const macReqs = mac.kdf(candidate);
        const riders = inSight.filter((sc) => sc.family === 'pkcs12-pbe' && sc.passwordForm === mac.passwordForm && sc.iterations <= mac.iterations);
        const chains = sha1Chains([...macReqs, ...riders.flatMap((sc) => sc.kdf(candidate))]);
        if (riders.length > 0 && chains !== null && chains <= 8) await prepare(riders, () => candidate, macReqs);
      }
      if (await mac.verify(candidate, content, session)) {
        macPassword = candidate;
        break;
      }
    }
    if (!macPassword) {
      throw new PfxkitError('BAD_PASSWORD', 'integrity check failed: wrong password, or the file was altered');
    }
  }

  /** The encoded passwords to try on a part, the likeliest (the MAC's, when it has this form) first. */
  const candidatesFor = (scheme: PbeScheme): Uint8Array[] => {
    const list = passwordCandidates(password, scheme.passwordForm);
    if (!macPassword || mac?.passwordForm !== scheme.passwordForm) return list;
    return [macPassword, ...list.filter((c) => Buffer.compare(c, macPassword!) !== 0)];
  };
  const likeliest = (scheme: PbeScheme): Uint8Array => candidatesFor(scheme)[0]!;
  const decrypt = async (scheme: PbeScheme, ciphertext: Uint8Array, what: string, accept: (plain: Uint8Array) => boolean): Promise<Uint8Array> => {
    const list = candidatesFor(scheme);
    for (const [i, candidate] of list.entries()) {
      if (!(i === 0 && prepaid.delete(scheme))) work.spend(unitsOf(scheme.kdf(candidate)));
      const plain = await scheme.decrypt(candidate, ciphertext, session);
      if (plain && accept(plain)) return plain;
    }
    throw new PfxkitError(
      'BAD_PASSWORD',
      macPassword
        ? `the MAC matched but the ${what} did not decrypt: it was encrypted with another password, or the file is damaged`
        : `wrong password: the ${what} did not decrypt`,
    );
  };
  const isSequence = (plain: Uint8Array): boolean => {
    try {
      der.seq(der.decode(plain, 'decrypted data').node, 'decrypted data');
      return true;
    } catch {
      return false;
    }
  };

  // 3. Encrypted safes, then shrouded keys: the keys of all in sight derived first, together.
  const parts: EncryptedPart[] = [];
  await prepare(inSight, likeliest);
  for (const s of encrypted) {
    parts.push({ part: 'safe', family: s.scheme.family, cipher: s.scheme.cipher, iterations: s.scheme.iterations, description: s.scheme.description });
    const plain = await decrypt(s.scheme, s.data, 'encrypted safe', isSequence);
    await paced(parseUnits(plain.length));
    await collectBags(plain, collected, limits, true);
  }
  await prepare(collected.keys.slice(shroudedSeen).flatMap((k) => (k.shrouded ? [k.shrouded.scheme] : [])), likeliest);
  for (const k of collected.keys) {
    if (!k.shrouded) continue;
    const { scheme } = k.shrouded;
    parts.push({ part: 'key', family: scheme.family, cipher: scheme.cipher, iterations: scheme.iterations, description: scheme.description });
    k.pkcs8 = await decrypt(scheme, k.shrouded.data, 'private key', isSequence);
  }

  // 4. Certificates, keys, and which key belongs to which certificate.
  const certs: { parsed: ParsedCertificate; bag: CertBagEntry }[] = [];
  for (const [i, c] of collected.certs.entries()) {
    await paced(bagUnits(c.der.length));
    certs.push({ parsed: parseCertificate(c.der, `certificate ${i + 1}`), bag: c });
  }
  const keys: ReturnType<typeof loadKey>[] = [];
  for (const [i, k] of collected.keys.entries()) {
    // A key whose public half is not in its DER is derived by OpenSSL (up to about 0.6 ms).
    await paced(parseUnits(k.pkcs8!.length) + 1200);
    keys.push(loadKey(k, i));
  }
  // Matching and ordering are linear, about 6 µs a certificate with the allocation they cause.
  await paced(200 + 12 * certs.length);
  const byPublicId = groupBy(certs, (c) => c.parsed.publicKeyId);
  const byLocalKeyId = groupBy(certs, (c) => c.bag.localKeyId);
  for (const key of keys) {
    // Public keys decide; only a key that cannot be compared at all falls back to localKeyId.
    const sameKey = (key.publicId !== null ? byPublicId.get(key.publicId) : key.entry.localKeyId !== null ? byLocalKeyId.get(key.entry.localKeyId) : undefined) ?? [];
    for (const c of sameKey) c.parsed.info.hasPrivateKey = true;
    // A renewed certificate can share its key with the old one: the localKeyId, then the latest
    // notAfter, picks the leaf among certificates with this key.
    const match =
      sameKey.find((c) => c.bag.localKeyId !== null && c.bag.localKeyId === key.entry.localKeyId) ??
      sameKey.slice().sort((a, b) => b.parsed.info.notAfter - a.parsed.info.notAfter)[0];
    if (match) key.entry.certificate = match.parsed.info.thumbprint;
  }
  const keyOfCert = new Map<string, PrivateKeyEntry>();
  for (const k of keys.slice().reverse()) if (k.entry.certificate !== null) keyOfCert.set(k.entry.certificate, k.entry);
  for (const c of certs) {
    c.parsed.info.friendlyName = c.bag.friendlyName ?? keyOfCert.get(c.parsed.info.thumbprint)?.friendlyName ?? null;
  }
  const leafThumb = keys.find((k) => k.entry.certificate !== null)?.entry.certificate ?? null;
  const ordered: ParsedCertificate[] = orderCertificates(
    certs.map((c) => c.parsed),
    leafThumb,
  );

  const integrity: Integrity = mac
    ? { kind: mac.kind, digest: mac.digest, iterations: mac.iterations }
    : { kind: 'none', digest: null, iterations: null };
  const bundle = {
    certificates: ordered.map((c) => c.info),
    leaf: leafThumb,
    privateKeys: keys.length,
    integrity,
    encryption: parts.map((p) => `${p.part === 'safe' ? 'safe' : 'key'}: ${p.description}`),
  };
  Object.defineProperties(bundle, {
    keys: { value: keys.map((k) => k.entry), enumerable: false },
    parts: { value: parts, enumerable: false },
    certificateDer: { value: ordered.map((c) => c.der), enumerable: false },
    skippedBags: { value: collected.skipped, enumerable: false },
  });
  return bundle as Pkcs12Bundle;
}

/** Items grouped by a key (null keys left out), in order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    if (k === null) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function loadKey(k: KeyBagEntry, index: number): { entry: PrivateKeyEntry; publicId: string | null } {
  const pkcs8 = k.pkcs8!;
  let facts;
  try {
    facts = pkcs8Facts(pkcs8);
  } catch (err) {
    throw new PfxkitError('MALFORMED', `private key ${index + 1}: not a valid PKCS#8 PrivateKeyInfo`, { cause: err });
  }
  // The key's public half, from the DER when it carries it, else derived by OpenSSL.
  const publicId = facts.id ?? derivedPublicId(pkcs8);
  let loaded: KeyObject | null | undefined;
  const entry = {
    keyAlgorithm: facts.keyAlgorithm,
    keySize: facts.keySize,
    certificate: null,
    friendlyName: k.friendlyName,
    localKeyId: k.localKeyId,
    storage: k.storage,
  } as PrivateKeyEntry;
  // The KeyObject is made on first use: most reads never need one, and loading costs more than the rest.
  Object.defineProperty(entry, 'key', {
    enumerable: true,
    get(): KeyObject | null {
      if (loaded === undefined) {
        try {
          loaded = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
        } catch {
          loaded = null;
        }
      }
      return loaded;
    },
  });
  return { entry, publicId };
}
