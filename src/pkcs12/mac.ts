/**
 * PKCS#12 integrity: the classic HMAC with a key from the RFC 7292 appendix B KDF (any SHA-1/SHA-2
 * digest), and PBMAC1 (RFC 9579: PBKDF2 key, HMAC, UTF-8 password).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import { KDF_ID, deriveKeys, type KdfRequest } from './kdf.js';
import type { Limits } from './limits.js';
import { DIGESTS, HMACS, OID, nameOid, type HashInfo } from './oids.js';
import type { PasswordForm } from './passwords.js';
import { iterationCount, parsePbkdf2, type Pbkdf2Params } from './pbe.js';

export interface MacCheck {
  readonly kind: 'mac' | 'pbmac1';
  /** The digest of the HMAC, e.g. `sha256`. */
  readonly digest: string;
  readonly iterations: number;
  readonly passwordForm: PasswordForm;
  /** The key derivation that checking with this encoded password takes. */
  kdf(password: Uint8Array): KdfRequest[];
  /** True when the MAC computed with this encoded password matches. */
  verify(password: Uint8Array, content: Uint8Array): Promise<boolean>;
}

/** Shortest PBMAC1 key accepted: a forged file can declare a 1-byte key and brute-force it. */
const PBMAC1_MIN_KEY_LENGTH = 20;

/** Parses MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }. */
export function parseMacData(node: der.Node, limits: Limits): MacCheck {
  const items = der.seq(node, 'MacData', 2);
  const digestInfo = der.seq(items[0], 'MacData digest', 2);
  const alg = der.algorithm(digestInfo[0], 'MacData digest algorithm');
  const expected = der.octets(digestInfo[1], 'MacData digest value');

  if (alg.oid === OID.pbmac1) {
    const p = der.seq(alg.params, 'PBMAC1 parameters', 2);
    const kdf = parsePbkdf2(der.algorithm(p[0], 'PBMAC1 key derivation'), 'PBMAC1', limits);
    const scheme = der.algorithm(p[1], 'PBMAC1 message authentication scheme');
    const hmac = HMACS[scheme.oid];
    if (!hmac) throw new PfxkitError('UNSUPPORTED_ALGORITHM', `PBMAC1: MAC scheme ${nameOid(scheme.oid)} is not supported`);
    if (kdf.keyLength === undefined) {
      throw new PfxkitError('MALFORMED', 'PBMAC1: PBKDF2 parameters lack the keyLength that RFC 9579 requires');
    }
    if (kdf.keyLength < PBMAC1_MIN_KEY_LENGTH) {
      throw new PfxkitError('MALFORMED', `PBMAC1: a ${kdf.keyLength}-byte MAC key cannot protect integrity (at least ${PBMAC1_MIN_KEY_LENGTH} bytes); the file may have been forged`);
    }
    checkLength(expected, hmac);
    return pbmac1(kdf, kdf.keyLength, hmac, expected);
  }

  const h = DIGESTS[alg.oid];
  if (!h) throw new PfxkitError('UNSUPPORTED_ALGORITHM', `MAC digest algorithm ${nameOid(alg.oid)} is not supported`);
  checkLength(expected, h);
  const salt = der.octets(items[1], 'MacData salt');
  const iterations = items[2] === undefined ? 1 : iterationCount(items[2], 'MacData iteration count', limits);
  return {
    kind: 'mac',
    digest: h.label,
    iterations,
    passwordForm: 'bmp',
    kdf: (password) => [{ kind: 'pkcs12', h, password, salt, id: KDF_ID.mac, iterations, n: h.u }],
    async verify(password, content) {
      const [key] = await deriveKeys(this.kdf(password));
      return timingSafeEqual(createHmac(h.node, key!).update(content).digest(), expected);
    },
  };
}

function checkLength(mac: Uint8Array, h: HashInfo): void {
  if (mac.length !== h.u) {
    throw new PfxkitError('MALFORMED', `MacData digest is ${mac.length} bytes; HMAC-${h.label.toUpperCase()} gives ${h.u}`);
  }
}

function pbmac1(kdf: Pbkdf2Params, keyLength: number, hmac: HashInfo, expected: Uint8Array): MacCheck {
  return {
    kind: 'pbmac1',
    digest: hmac.label,
    iterations: kdf.iterations,
    passwordForm: 'utf8',
    kdf: (password) => [{ kind: 'pbkdf2', digest: kdf.prf.node, password, salt: kdf.salt, iterations: kdf.iterations, keyLength }],
    async verify(password, content) {
      const [key] = await deriveKeys(this.kdf(password));
      return timingSafeEqual(createHmac(hmac.node, key!).update(content).digest(), expected);
    },
  };
}
