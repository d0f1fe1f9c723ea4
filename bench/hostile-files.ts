/**
 * Hostile PKCS#12 files built in memory (for bench/hostile.ts and the tests): many certificates,
 * iteration counts within the limit, many parts. Ciphertexts and MACs are filler: what matters is
 * the work a reader is asked to do before it can tell.
 */
import * as w from '../src/lib/derw.js';
import { OID } from '../src/pkcs12/oids.js';

const filler = (n: number, byte = 0x5a): Uint8Array => new Uint8Array(n).fill(byte);
const int = (n: number): w.Enc => w.int(n);

/** A SafeContents of `copies` certificate bags of the same DER, as a plain (data) safe. */
export function certSafe(certDer: Uint8Array, copies: number): w.Enc {
  const bag = (): w.Enc => w.seq(w.oid(OID.certBag), w.explicit(0, w.seq(w.oid(OID.x509Certificate), w.explicit(0, w.octets(certDer)))));
  const bags = Array.from({ length: copies }, bag);
  return w.seq(w.oid(OID.data), w.explicit(0, w.octets(w.encode(w.seq(...bags)))));
}

const HMAC_OF: Record<string, string> = {
  sha1: OID.hmacWithSHA1,
  sha256: OID.hmacWithSHA256,
  sha512: OID.hmacWithSHA512,
  'sha512-224': OID.hmacWithSHA512_224,
};

/** An encrypted safe under PBES2 (PBKDF2 over `prf`, AES-256-CBC) with `iterations`; filler ciphertext. */
export function pbes2Safe(prf: keyof typeof HMAC_OF, iterations: number, ciphertextBytes = 64): w.Enc {
  const kdf = w.algorithm(OID.pbkdf2, w.seq(w.octets(filler(16, 1)), int(iterations), w.algorithm(HMAC_OF[prf]!, w.nul())));
  const alg = w.algorithm(OID.pbes2, w.seq(kdf, w.algorithm(OID.aes256CBC, w.octets(filler(16, 2)))));
  return w.seq(w.oid(OID.encryptedData), w.explicit(0, w.seq(int(0), w.seq(w.oid(OID.data), alg, w.implicitOctets(0, filler(ciphertextBytes))))));
}

/** An encrypted safe under PKCS#12 PBE (SHA-1 KDF, 3DES) with `iterations`; filler ciphertext. */
export function pbeSafe(iterations: number, ciphertextBytes = 64): w.Enc {
  const alg = w.algorithm(OID.pbeWithSHAAnd3KeyTripleDESCBC, w.seq(w.octets(filler(8, 3)), int(iterations)));
  return w.seq(w.oid(OID.encryptedData), w.explicit(0, w.seq(int(0), w.seq(w.oid(OID.data), alg, w.implicitOctets(0, filler(ciphertextBytes))))));
}

const DIGEST_OF: Record<string, string> = { sha1: OID.sha1, sha256: OID.sha256, sha512: OID.sha512, 'sha512-224': OID.sha512_224 };

/** A classic MacData over `digest` with `iterations` and a filler MAC (never matches). */
export function macData(digest: keyof typeof DIGEST_OF, iterations: number): w.Enc {
  const len = { sha1: 20, sha256: 32, sha512: 64, 'sha512-224': 28 }[digest]!;
  return w.seq(w.seq(w.algorithm(DIGEST_OF[digest]!, w.nul()), w.octets(filler(len, 4))), w.octets(filler(8, 5)), int(iterations));
}

/** A PFX of these safes, with MacData when given. */
export function pfx(safes: w.Enc[], mac?: w.Enc): Uint8Array {
  const authSafe = w.seq(w.oid(OID.data), w.explicit(0, w.octets(w.encode(w.seq(...safes)))));
  return w.encode(mac ? w.seq(int(3), authSafe, mac) : w.seq(int(3), authSafe));
}
