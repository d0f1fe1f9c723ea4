/**
 * Public keys in comparable form, read straight from the DER: a certificate's
 * SubjectPublicKeyInfo, and the public half that a PKCS#8 private key carries (RSA's n and e, the
 * EC point in ECPrivateKey, the publicKey of a v2 OneAsymmetricKey). Comparing these is how the
 * reader finds the leaf; localKeyId is not trusted. Loading every key into OpenSSL only to
 * compare it costs far more than the rest of a read, so that stays the fallback.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as der from '../lib/der.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const RSA = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';
const EC = '1.2.840.10045.2.1';
const DSA = '1.2.840.10040.4.1';
const OKP: Record<string, { name: string; bits: number }> = {
  '1.3.101.110': { name: 'X25519', bits: 256 },
  '1.3.101.111': { name: 'X448', bits: 448 },
  '1.3.101.112': { name: 'Ed25519', bits: 256 },
  '1.3.101.113': { name: 'Ed448', bits: 456 },
};
const CURVES: Record<string, number> = {
  '1.2.840.10045.3.1.7': 256,
  '1.3.132.0.34': 384,
  '1.3.132.0.35': 521,
  '1.3.132.0.10': 256,
  '1.3.132.0.33': 224,
  '1.2.840.10045.3.1.1': 192,
  '1.3.36.3.3.2.8.1.1.7': 256,
  '1.3.36.3.3.2.8.1.1.11': 384,
  '1.3.36.3.3.2.8.1.1.13': 512,
};

export interface KeyFacts {
  /** `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `X25519`, `X448`, `DSA`, or the algorithm OID. */
  keyAlgorithm: string;
  keySize: number | null;
  /** A string equal for the public and the private half of one key pair, or null when unknown here. */
  id: string | null;
}

const bitLength = (magnitude: Uint8Array): number => {
  if (magnitude.length === 0 || (magnitude.length === 1 && magnitude[0] === 0)) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
};

function ecFacts(curveNode: der.Node | undefined, point: Uint8Array | null): KeyFacts {
  const curve = curveNode && der.isUniversal(curveNode, der.TAG.OID) ? der.oid(curveNode, 'EC curve') : null;
  // Only uncompressed points (04...) compare byte for byte; a compressed one takes the fallback.
  const id = curve && point && point[0] === 0x04 ? `ec:${curve}:${hex(point)}` : null;
  return { keyAlgorithm: 'EC', keySize: curve ? (CURVES[curve] ?? null) : null, id };
}

/** Facts of a SubjectPublicKeyInfo. */
export function spkiFacts(spki: Uint8Array): KeyFacts {
  const [algNode, keyNode] = der.seq(der.decode(spki, 'public key').node, 'SubjectPublicKeyInfo', 2);
  const alg = der.algorithm(algNode, 'public key algorithm');
  if (alg.oid === RSA || alg.oid === RSA_PSS) {
    const [n, e] = der.seq(der.decode(der.bitString(keyNode, 'RSA public key'), 'RSA public key').node, 'RSAPublicKey', 2);
    const modulus = der.unsigned(n, 'RSA modulus');
    return { keyAlgorithm: alg.oid === RSA ? 'RSA' : 'RSA-PSS', keySize: bitLength(modulus), id: `rsa:${hex(modulus)}:${hex(der.unsigned(e, 'RSA exponent'))}` };
  }
  if (alg.oid === EC) return ecFacts(alg.params, der.bitString(keyNode, 'EC public key'));
  const okp = OKP[alg.oid];
  if (okp) return { keyAlgorithm: okp.name, keySize: okp.bits, id: `${okp.name}:${hex(der.bitString(keyNode, 'public key'))}` };
  if (alg.oid === DSA) {
    const p = alg.params ? der.seq(alg.params, 'DSA parameters', 3)[0] : undefined;
    return { keyAlgorithm: 'DSA', keySize: p ? bitLength(der.unsigned(p, 'DSA p')) : null, id: `dsa:${hex(der.unsigned(der.decode(der.bitString(keyNode, 'DSA key'), 'DSA key').node, 'DSA y'))}` };
  }
  return { keyAlgorithm: alg.oid, keySize: null, id: `spki:${hex(spki)}` };
}

/** Facts of a PKCS#8 PrivateKeyInfo / OneAsymmetricKey, `id` from the public half it carries. */
export function pkcs8Facts(pkcs8: Uint8Array): KeyFacts {
  const info = der.seq(der.decode(pkcs8, 'private key').node, 'PrivateKeyInfo', 3);
  const alg = der.algorithm(info[1], 'private key algorithm');
  const inner = der.octets(info[2], 'private key');
  const publicKey = info.slice(3).find((n) => der.isContext(n, 1));
  const carried = publicKey ? der.content(publicKey, 'public key').subarray(1) : null; // [1] IMPLICIT BIT STRING
  if (alg.oid === RSA || alg.oid === RSA_PSS) {
    const k = der.seq(der.decode(inner, 'RSA private key').node, 'RSAPrivateKey', 3);
    const modulus = der.unsigned(k[1], 'RSA modulus');
    return { keyAlgorithm: alg.oid === RSA ? 'RSA' : 'RSA-PSS', keySize: bitLength(modulus), id: `rsa:${hex(modulus)}:${hex(der.unsigned(k[2], 'RSA exponent'))}` };
  }
  if (alg.oid === EC) {
    const k = der.seq(der.decode(inner, 'EC private key').node, 'ECPrivateKey', 2);
    const params = k.find((n) => der.isContext(n, 0));
    const pub = k.find((n) => der.isContext(n, 1));
    const point = pub ? der.bitString(der.explicit(pub, 1, 'EC public key'), 'EC public key') : null;
    return ecFacts(alg.params ?? (params ? der.explicit(params, 0, 'EC parameters') : undefined), point);
  }
  const okp = OKP[alg.oid];
  if (okp) return { keyAlgorithm: okp.name, keySize: okp.bits, id: carried ? `${okp.name}:${hex(carried)}` : null };
  if (alg.oid === DSA) {
    const p = alg.params ? der.seq(alg.params, 'DSA parameters', 3)[0] : undefined;
    return { keyAlgorithm: 'DSA', keySize: p ? bitLength(der.unsigned(p, 'DSA p')) : null, id: null };
  }
  return { keyAlgorithm: alg.oid, keySize: null, id: null };
}

/** The fallback: let OpenSSL derive the public key, then compare in the same form. Null if it cannot. */
export function derivedPublicId(pkcs8: Uint8Array): string | null {
  try {
    const spki = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    return spkiFacts(new Uint8Array(spki)).id;
  } catch {
    return null;
  }
}

/** The certificate side of the fallback, for a compressed EC point. */
export function derivedSpkiId(spki: Uint8Array): string | null {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec') return spkiFacts(spki).id;
    const jwk = key.export({ format: 'jwk' }) as { crv?: string; x?: string; y?: string };
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
    const curve = der.algorithm(der.seq(der.decode(spki, 'public key').node, 'SubjectPublicKeyInfo', 2)[0], 'public key algorithm').params;
    return curve ? `ec:${der.oid(curve, 'EC curve')}:${hex(point)}` : null;
  } catch {
    return null;
  }
}
