/**
 * Password-based encryption schemes found in PKCS#12 files: the PKCS#12 PBE family (RFC 7292
 * appendix C: 3DES, 2-key 3DES, RC2-128, RC2-40, RC4), PBES2 (RFC 8018: PBKDF2 with an HMAC over
 * SHA-1, SHA-2, SHA-3 or SM3, or scrypt (RFC 7914); AES-, Camellia-, ARIA-, SM4-, CAST5-,
 * DES-EDE3-, RC2- and DES-CBC) and PBES1 (PKCS#5 v1.5: MD5/SHA-1 with DES/RC2).
 *
 * Parsing a scheme checks its iteration count against the limit, so nothing is derived for a
 * count that is refused. Decryption returns `null` for a wrong key (bad padding); the caller
 * decides what a wrong key means.
 */
import { createDecipheriv } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { KDF_ID, deriveKeys, type KdfRequest } from './kdf.js';
import { DIGESTS, HMACS, OID, nameOid, type HashInfo } from './oids.js';
import { cast5CbcDecrypt } from './cast5.js';
import { rc2CbcDecrypt, rc4 } from './rc2.js';
import type { Limits } from './limits.js';
import type { PasswordForm } from './passwords.js';
import { pace } from '../lib/pace.js';

export interface PbeScheme {
  /** Human-readable description, e.g. `PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), 2048 iterations`. */
  readonly description: string;
  /** The cipher, e.g. `AES-256-CBC`, `3DES-CBC`, `RC2-40-CBC`. */
  readonly cipher: string;
  /** `pkcs12-pbe`, `pbes2` or `pbes1`. */
  readonly family: 'pkcs12-pbe' | 'pbes2' | 'pbes1';
  readonly iterations: number;
  readonly passwordForm: PasswordForm;
  /** The key derivations that decrypting with this encoded password takes (what the reader's budget counts). */
  kdf(password: Uint8Array): KdfRequest[];
  /** Decrypts with an encoded password; `null` when the padding shows the key was wrong. */
  decrypt(password: Uint8Array, data: Uint8Array): Promise<Uint8Array | null>;
}

const sha1 = DIGESTS[OID.sha1]!;

interface CipherSpec {
  readonly label: string;
  readonly keyLen: number;
  readonly ivLen: number;
  readonly blockLen: number;
  /** Raw decryption with no padding removal. */
  readonly run: (key: Uint8Array, iv: Uint8Array, data: Uint8Array) => Uint8Array;
}

function nodeCipher(name: string, label: string, keyLen: number, ivLen: number, blockLen: number): CipherSpec {
  return {
    label,
    keyLen,
    ivLen,
    blockLen,
    run: (key, iv, data) => {
      const d = createDecipheriv(name, key, ivLen === 0 ? null : iv);
      d.setAutoPadding(false);
      return Buffer.concat([d.update(data), d.final()]);
    },
  };
}

/** Single DES through two-key EDE with K1 = K2 (E(D(E(x))) = E(x)): OpenSSL 3 keeps des-cbc in its legacy provider. */
function desCbc(): CipherSpec {
  const ede = nodeCipher('des-ede-cbc', 'DES-CBC', 16, 8, 8);
  return { ...ede, label: 'DES-CBC', keyLen: 8, run: (key, iv, data) => ede.run(Buffer.concat([key, key]), iv, data) };
}

function rc2Cipher(keyLen: number, bits: number): CipherSpec {
  return {
    label: keyLen === 5 && bits === 40 ? 'RC2-40-CBC' : `RC2-CBC (${keyLen * 8}-bit key, ${bits} effective bits)`,
    keyLen,
    ivLen: 8,
    blockLen: 8,
    run: (key, iv, data) => rc2CbcDecrypt(key, bits, iv, data),
  };
}

function rc4Cipher(keyLen: number): CipherSpec {
  return { label: `RC4-${keyLen * 8}`, keyLen, ivLen: 0, blockLen: 1, run: (key, _iv, data) => rc4(key, data) };
}

/** Removes PKCS#7 padding; `null` when it is not valid (the usual sign of a wrong key). */
function unpad(plain: Uint8Array, blockLen: number): Uint8Array | null {
  if (blockLen === 1) return plain;
  const n = plain[plain.length - 1];
  if (n === undefined || n < 1 || n > blockLen || n > plain.length) return null;
  for (let i = plain.length - n; i < plain.length; i++) if (plain[i] !== n) return null;
  return plain.subarray(0, plain.length - n);
}

/** Bytes deciphered in one turn at most (3DES, the slowest: about 10 ms on the reference machine). */
const CHUNK = 256 * 1024;

/**
 * Deciphers and unpads, paced (lib/pace.ts: a unit for every 8 bytes; 3DES measured 40 ns a
 * byte): CBC in chunks, each chunk's IV the previous one's last ciphertext block.
 */
async function decryptWith(spec: CipherSpec, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array | null> {
  if (data.length === 0 || data.length % spec.blockLen !== 0) return null;
  const out = new Uint8Array(data.length);
  const step = spec.blockLen === 1 ? data.length : CHUNK;
  for (let at = 0, chainIv = iv; at < data.length; at += step) {
    const chunk = data.subarray(at, Math.min(at + step, data.length));
    const wait = pace(Math.ceil(chunk.length / 8));
    if (wait) await wait;
    out.set(spec.run(key, chainIv, chunk), at);
    chainIv = chunk.subarray(chunk.length - spec.blockLen);
  }
  return unpad(out, spec.blockLen);
}

const PKCS12_PBE: Readonly<Record<string, () => CipherSpec>> = {
  [OID.pbeWithSHAAnd3KeyTripleDESCBC]: () => nodeCipher('des-ede3-cbc', '3DES-CBC', 24, 8, 8),
  [OID.pbeWithSHAAnd2KeyTripleDESCBC]: () => nodeCipher('des-ede-cbc', '2-key 3DES-CBC', 16, 8, 8),
  [OID.pbeWithSHAAnd128BitRC2CBC]: () => rc2Cipher(16, 128),
  [OID.pbeWithSHAAnd40BitRC2CBC]: () => rc2Cipher(5, 40),
  [OID.pbeWithSHAAnd128BitRC4]: () => rc4Cipher(16),
  [OID.pbeWithSHAAnd40BitRC4]: () => rc4Cipher(5),
};

const PBES1: Readonly<Record<string, { hash: string; cipher: () => CipherSpec; label: string }>> = {
  '1.2.840.113549.1.5.3': { hash: 'md5', cipher: desCbc, label: 'pbeWithMD5AndDES-CBC' },
  '1.2.840.113549.1.5.10': { hash: 'sha1', cipher: desCbc, label: 'pbeWithSHA1AndDES-CBC' },
  '1.2.840.113549.1.5.6': { hash: 'md5', cipher: () => rc2Cipher(8, 64), label: 'pbeWithMD5AndRC2-CBC' },
  '1.2.840.113549.1.5.11': { hash: 'sha1', cipher: () => rc2Cipher(8, 64), label: 'pbeWithSHA1AndRC2-CBC' },
};

/** Reads an iteration count and refuses it, before any work, when it is over the limit. */
export function iterationCount(node: der.Node | undefined, what: string, limits: Limits): number {
  const v = der.count(node, what);
  if (v > BigInt(limits.maxIterations)) {
    throw new PfxkitError('ITERATIONS_LIMIT', `${what}: ${v} iterations is over the limit of ${limits.maxIterations} (raise maxIterations only for a file you trust)`);
  }
  return Number(v);
}

/** The PBKDF2 parameters of RFC 8018 appendix A.2. */
export interface Pbkdf2Params {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly keyLength: number | undefined;
  readonly prf: HashInfo;
}

export function parsePbkdf2(alg: { oid: string; params: der.Node | undefined }, what: string, limits: Limits): Pbkdf2Params {
  if (alg.oid !== OID.pbkdf2) {
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `${what}: key derivation ${nameOid(alg.oid)} is not supported (only PBKDF2)`);
  }
  const items = der.seq(alg.params, `${what} PBKDF2 parameters`, 2);
  if (!der.isUniversal(items[0], der.TAG.OCTET_STRING)) {
    throw new PfxkitError('UNSUPPORTED_ALGORITHM', `${what}: PBKDF2 salt from another source is not supported`);
  }
  const salt = der.octets(items[0], `${what} PBKDF2 salt`);
  const iterations = iterationCount(items[1], `${what} PBKDF2 iteration count`, limits);
  let i = 2;
  let keyLength: number | undefined;
  if (der.isUniversal(items[i], der.TAG.INTEGER)) {
    const v = der.count(items[i], `${what} PBKDF2 key length`);
    if (v > 1024n) throw new PfxkitError('MALFORMED', `${what}: PBKDF2 key length ${v} is not plausible`);
    keyLength = Number(v);
    i++;
  }
  let prf = HMACS[OID.hmacWithSHA1]!;
  if (items[i] !== undefined) {
    const p = der.algorithm(items[i], `${what} PBKDF2 PRF`);
    const h = HMACS[p.oid];
    if (!h) throw new PfxkitError('UNSUPPORTED_ALGORITHM', `${what}: PBKDF2 PRF ${nameOid(p.oid)} is not supported`);
    prf = h;
  }
  return { salt, iterations, keyLength, prf };
}

/** The most memory scrypt may take (128·N·r bytes): 16 times what OpenSSL and Bouncy Castle write by default (N=16384, r=8). */
export const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** scrypt-params of RFC 7914 section 7.1, its cost N·r·p checked against the limit before any work. */
export interface ScryptParams {
  readonly salt: Uint8Array;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number | undefined;
  readonly cost: number;
}

export function parseScrypt(params: der.Node | undefined, what: string, limits: Limits): ScryptParams {
  const items = der.seq(params, `${what} scrypt parameters`, 4);
  const salt = der.octets(items[0], `${what} scrypt salt`);
  const [N, r, p] = [1, 2, 3].map((i) => der.count(items[i], `${what} scrypt ${['', 'cost N', 'block size r', 'parallelization p'][i]}`));
  if ((N! & (N! - 1n)) !== 0n || N! < 2n) throw new PfxkitError('MALFORMED', `${what}: scrypt cost N = ${N} is not a power of 2 above 1`);
  const cost = N! * r! * p!;
  if (cost > BigInt(limits.maxIterations)) {
    throw new PfxkitError('ITERATIONS_LIMIT', `${what}: scrypt cost N·r·p = ${cost} is over the limit of ${limits.maxIterations} (raise maxIterations only for a file you trust)`);
  }
  // Memory is a bound of its own: 128·N·r bytes, whatever the work budget allows.
  const memory = 128n * N! * r!;
  if (memory > BigInt(MAX_SCRYPT_MEMORY)) {
    throw new PfxkitError('ITERATIONS_LIMIT', `${what}: scrypt N=${N} r=${r} needs ${memory / 1048576n} MiB of memory, over the ${MAX_SCRYPT_MEMORY / 1048576} MiB cap`);
  }
  let keyLength: number | undefined;
  if (items[4] !== undefined) {
    const v = der.count(items[4], `${what} scrypt key length`);
    if (v > 1024n) throw new PfxkitError('MALFORMED', `${what}: scrypt key length ${v} is not plausible`);
    keyLength = Number(v);
  }
  return { salt, N: Number(N), r: Number(r), p: Number(p), keyLength, cost: Number(cost) };
}

/** PBES2's key derivation, PBKDF2 or scrypt, as the scheme needs it. */
interface Pbes2Kdf {
  readonly label: string;
  /** What counts against the limit and the work budget: PBKDF2's iterations, scrypt's N·r·p. */
  readonly cost: number;
  readonly keyLength: number | undefined;
  request(password: Uint8Array, keyLength: number): KdfRequest;
}

function pbes2Kdf(alg: { oid: string; params: der.Node | undefined }, what: string, limits: Limits): Pbes2Kdf {
  if (alg.oid === OID.scrypt) {
    const s = parseScrypt(alg.params, what, limits);
    return {
      label: `scrypt, N=${s.N} r=${s.r} p=${s.p}`,
      cost: s.cost,
      keyLength: s.keyLength,
      request: (password, keyLength) => ({ kind: 'scrypt', password, salt: s.salt, N: s.N, r: s.r, p: s.p, keyLength }),
    };
  }
  const k = parsePbkdf2(alg, what, limits);
  return {
    label: `PBKDF2-HMAC-${k.prf.label.toUpperCase()}, ${k.iterations} iterations`,
    cost: k.iterations,
    keyLength: k.keyLength,
    request: (password, keyLength) => ({ kind: 'pbkdf2', digest: k.prf.node, password, salt: k.salt, iterations: k.iterations, keyLength }),
  };
}

/** PBES2 block ciphers that node:crypto has in its default provider, all CBC with a 16-byte IV in an OCTET STRING. */
const NODE_CBC16: Readonly<Record<string, readonly [node: string, label: string, keyLen: number]>> = {
  [OID.aes128CBC]: ['aes-128-cbc', 'AES-128-CBC', 16],
  [OID.aes192CBC]: ['aes-192-cbc', 'AES-192-CBC', 24],
  [OID.aes256CBC]: ['aes-256-cbc', 'AES-256-CBC', 32],
  [OID.camellia128CBC]: ['camellia-128-cbc', 'Camellia-128-CBC', 16],
  [OID.camellia192CBC]: ['camellia-192-cbc', 'Camellia-192-CBC', 24],
  [OID.camellia256CBC]: ['camellia-256-cbc', 'Camellia-256-CBC', 32],
  [OID.aria128CBC]: ['aria-128-cbc', 'ARIA-128-CBC', 16],
  [OID.aria192CBC]: ['aria-192-cbc', 'ARIA-192-CBC', 24],
  [OID.aria256CBC]: ['aria-256-cbc', 'ARIA-256-CBC', 32],
  [OID.sm4CBC]: ['sm4-cbc', 'SM4-CBC', 16],
};

/** Ciphers some producer writes inside PBES2 that no standard puts there, and no other reader (OpenSSL) accepts. */
const REFUSED_PBES2: Readonly<Record<string, string>> = {
  [OID.aes128GCM]: 'AES-128-GCM',
  [OID.aes192GCM]: 'AES-192-GCM',
  [OID.aes256GCM]: 'AES-256-GCM',
  [OID.aes128CCM]: 'AES-128-CCM',
  [OID.aes192CCM]: 'AES-192-CCM',
  [OID.aes256CCM]: 'AES-256-CCM',
};

/**
 * CAST5-CBC's parameters: RFC 2144's cast5CBCParameters ::= SEQUENCE { iv OCTET STRING DEFAULT 0,
 * keyLength INTEGER } (the length in bits), or the bare IV that OpenSSL writes, its key length then
 * PBKDF2's or OpenSSL's default of 128 bits.
 */
function cast5Cipher(params: der.Node | undefined, keyLength: number | undefined, what: string): { spec: CipherSpec; iv: Uint8Array } {
  let iv: Uint8Array;
  let bits = (keyLength ?? 16) * 8;
  if (der.isUniversal(params, der.TAG.OCTET_STRING)) {
    iv = der.octets(params, `${what} CAST5 IV`);
  } else {
    const items = der.seq(params, `${what} CAST5 parameters`, 1);
    iv = items.length > 1 ? der.octets(items[0], `${what} CAST5 IV`) : new Uint8Array(8);
    bits = Number(der.count(items[items.length - 1], `${what} CAST5 key length`));
  }
  if (bits < 40 || bits > 128 || bits % 8 !== 0) throw new PfxkitError('MALFORMED', `${what}: CAST5 key length ${bits} bits is not valid (40 to 128)`);
  const spec: CipherSpec = { label: bits === 128 ? 'CAST5-CBC' : `CAST5-CBC (${bits}-bit key)`, keyLen: bits / 8, ivLen: 8, blockLen: 8, run: cast5CbcDecrypt };
  return { spec, iv };
}

function pbes2Cipher(alg: { oid: string; params: der.Node | undefined }, keyLength: number | undefined, what: string): { spec: CipherSpec; iv: Uint8Array } {
  const cbc16 = NODE_CBC16[alg.oid];
  if (cbc16) {
    const [node, label, keyLen] = cbc16;
    return { spec: nodeCipher(node, label, keyLen, 16, 16), iv: der.octets(alg.params, `${what} ${label} IV`) };
  }
  if (alg.oid === OID.cast5CBC) return cast5Cipher(alg.params, keyLength, what);
  if (alg.oid === OID.desEde3CBC) {
    return { spec: nodeCipher('des-ede3-cbc', '3DES-CBC', 24, 8, 8), iv: der.octets(alg.params, `${what} 3DES IV`) };
  }
  if (alg.oid === OID.desCBC) {
    return { spec: desCbc(), iv: der.octets(alg.params, `${what} DES IV`) };
  }
  if (alg.oid === OID.rc2CBC) {
    // RC2-CBC-Parameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
    let bits = 32;
    let iv: Uint8Array;
    if (der.isUniversal(alg.params, der.TAG.OCTET_STRING)) {
      iv = der.octets(alg.params, `${what} RC2 IV`);
    } else {
      const items = der.seq(alg.params, `${what} RC2 parameters`, 1);
      if (items.length > 1) {
        const version = Number(der.count(items[0], `${what} RC2 parameter version`, 0));
        const table: Record<number, number> = { 160: 40, 120: 64, 58: 128 };
        bits = table[version] ?? (version >= 256 ? version : NaN);
        if (!Number.isFinite(bits) || bits > 1024) {
          throw new PfxkitError('MALFORMED', `${what}: RC2 parameter version ${version} is not defined`);
        }
      }
      iv = der.octets(items[items.length - 1], `${what} RC2 IV`);
    }
    const keyLen = keyLength ?? 16;
    if (keyLen < 1 || keyLen > 128) throw new PfxkitError('MALFORMED', `${what}: RC2 key length ${keyLen} is not valid`);
    return { spec: rc2Cipher(keyLen, bits), iv };
  }
  const refused = REFUSED_PBES2[alg.oid];
  if (refused) {
    throw new PfxkitError(
      'UNSUPPORTED_ALGORITHM',
      `${what}: PBES2 encryption scheme ${refused} (${alg.oid}) is not supported: no standard puts authenticated encryption inside PBES2, and OpenSSL refuses it too`,
    );
  }
  throw new PfxkitError('UNSUPPORTED_ALGORITHM', `${what}: PBES2 encryption scheme ${nameOid(alg.oid)} is not supported`);
}

/** The PKCS#12 PBE schemes (RFC 7292 appendix C): the appendix B KDF over SHA-1 for key and IV. */
function pkcs12Pbe(cipher: () => CipherSpec, params: der.Node | undefined, what: string, limits: Limits): PbeScheme {
  const items = der.seq(params, `${what} PBE parameters`, 2);
  const salt = der.octets(items[0], `${what} PBE salt`);
  const iterations = iterationCount(items[1], `${what} PBE iteration count`, limits);
  const spec = cipher();
  return {
    description: `${spec.label} (PKCS#12 PBE, SHA-1 KDF, ${iterations} iterations)`,
    cipher: spec.label,
    family: 'pkcs12-pbe',
    iterations,
    passwordForm: 'bmp',
    kdf: (password) => [
      { kind: 'pkcs12', h: sha1, password, salt, id: KDF_ID.key, iterations, n: spec.keyLen },
      { kind: 'pkcs12', h: sha1, password, salt, id: KDF_ID.iv, iterations, n: spec.ivLen },
    ],
    async decrypt(password, data) {
      const [key, iv] = await deriveKeys(this.kdf(password));
      return decryptWith(spec, key!, iv!, data);
    },
  };
}

/** PBES2 (RFC 8018 section 6.2): PBKDF2 or scrypt, then a CBC cipher with its own IV. */
function pbes2(params: der.Node | undefined, what: string, limits: Limits): PbeScheme {
  const items = der.seq(params, `${what} PBES2 parameters`, 2);
  const kdf = pbes2Kdf(der.algorithm(items[0], `${what} PBES2 key derivation`), what, limits);
  const enc = der.algorithm(items[1], `${what} PBES2 encryption scheme`);
  const { spec, iv } = pbes2Cipher(enc, kdf.keyLength, what);
  if (iv.length !== spec.ivLen) throw new PfxkitError('MALFORMED', `${what}: ${spec.label} IV must be ${spec.ivLen} bytes, found ${iv.length}`);
  if (kdf.keyLength !== undefined && kdf.keyLength !== spec.keyLen) {
    throw new PfxkitError('MALFORMED', `${what}: key length ${kdf.keyLength} of the key derivation does not fit ${spec.label}`);
  }
  return {
    description: `${spec.label} (PBES2, ${kdf.label})`,
    cipher: spec.label,
    family: 'pbes2',
    iterations: kdf.cost,
    passwordForm: 'utf8',
    kdf: (password) => [kdf.request(password, spec.keyLen)],
    async decrypt(password, data) {
      const [key] = await deriveKeys(this.kdf(password));
      return decryptWith(spec, key!, iv, data);
    },
  };
}

/** PBES1 (RFC 8018 section 6.1): PBKDF1's T = H^c(P || S), key = T[0..8), IV = T[8..16). */
function pbes1(p1: (typeof PBES1)[string] & object, params: der.Node | undefined, what: string, limits: Limits): PbeScheme {
  const items = der.seq(params, `${what} PBES1 parameters`, 2);
  const salt = der.octets(items[0], `${what} PBES1 salt`);
  if (salt.length !== 8) throw new PfxkitError('MALFORMED', `${what}: PBES1 salt must be 8 bytes`);
  const iterations = iterationCount(items[1], `${what} PBES1 iteration count`, limits);
  const spec = p1.cipher();
  return {
    description: `${spec.label} (PBES1 ${p1.label}, ${iterations} iterations)`,
    cipher: spec.label,
    family: 'pbes1',
    iterations,
    passwordForm: 'utf8',
    kdf: (password) => [{ kind: 'pbkdf1', hash: p1.hash, password, salt, iterations, n: 16 }],
    async decrypt(password, data) {
      const [t] = await deriveKeys(this.kdf(password));
      return decryptWith(spec, t!.subarray(0, 8), t!.subarray(8, 16), data);
    },
  };
}

/**
 * Parses an encryption AlgorithmIdentifier (of an EncryptedData or a shrouded key bag) into a
 * scheme, checking the iteration count against the limit.
 */
export function parsePbe(node: der.Node | undefined, what: string, limits: Limits): PbeScheme {
  const alg = der.algorithm(node, `${what} encryption algorithm`);
  const p12 = PKCS12_PBE[alg.oid];
  if (p12) return pkcs12Pbe(p12, alg.params, what, limits);
  if (alg.oid === OID.pbes2) return pbes2(alg.params, what, limits);
  const p1 = PBES1[alg.oid];
  if (p1) return pbes1(p1, alg.params, what, limits);
  if (alg.oid === OID.pbmac1) {
    throw new PfxkitError('MALFORMED', `${what}: PBMAC1 is a MAC algorithm, not an encryption scheme`);
  }
  throw new PfxkitError('UNSUPPORTED_ALGORITHM', `${what}: encryption algorithm ${nameOid(alg.oid)} is not supported`);
}
