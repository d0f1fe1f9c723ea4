/**
 * Turns what a user hands over into DER/BER bytes: binary PKCS#12 as is, or base64 text as a
 * Key Vault secret or Graph's `pkcs12Value` holds it (also with line breaks, base64url, a UTF-8
 * or UTF-16 byte-order mark as PowerShell writes, or in JSON quotes as `az ... -o json` prints). Anything else is `MALFORMED`, with what it looks like.
 */
import { PfxkitError } from '../errors.js';

const PEM_KINDS: Record<string, string> = {
  CERTIFICATE: 'a PEM certificate',
  'PRIVATE KEY': 'a PEM private key',
  'ENCRYPTED PRIVATE KEY': 'a PEM encrypted private key',
  'RSA PRIVATE KEY': 'a PEM RSA private key',
  'EC PRIVATE KEY': 'a PEM EC private key',
  'CERTIFICATE REQUEST': 'a PEM certificate request',
  'PUBLIC KEY': 'a PEM public key',
  PKCS12: 'PEM-armoured PKCS#12',
};

function decodeText(bytes: Uint8Array): string | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // Text only if every byte is printable ASCII or whitespace.
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (!(b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) return null;
  }
  return new TextDecoder('latin1').decode(bytes.subarray(start));
}

/** `"MIIK..."`: a JSON string, as `az keyvault secret show --query value -o json` prints base64. */
function unquoteJson(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value.trim() : text;
  } catch {
    return text;
  }
}

function fromText(text: string): Uint8Array {
  const trimmed = unquoteJson(text.trim());
  if (trimmed.length === 0) throw new PfxkitError('MALFORMED', 'empty input: no PKCS#12 data');
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(trimmed);
  if (pem) {
    if (pem[1] === 'PKCS12') return fromBase64(pem[2]!.replace(/^[A-Za-z-]+:.*$/gm, ''));
    const kind = PEM_KINDS[pem[1]!] ?? `PEM (${pem[1]})`;
    throw new PfxkitError('MALFORMED', `found ${kind}, not PKCS#12; bundle a certificate and its key with: openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.pfx`);
  }
  if (trimmed.startsWith('-----BEGIN')) throw new PfxkitError('MALFORMED', 'found an incomplete PEM block, not PKCS#12');
  return fromBase64(trimmed);
}

function fromBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new PfxkitError('MALFORMED', 'found text that is neither PEM nor base64, not PKCS#12');
  }
  const bytes = new Uint8Array(Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  if (bytes.length === 0) throw new PfxkitError('MALFORMED', 'empty input: no PKCS#12 data');
  if (bytes[0] !== 0x30) throw new PfxkitError('MALFORMED', 'base64 text that does not decode to PKCS#12 (no DER SEQUENCE)');
  return bytes;
}

/** DER/BER bytes of a PKCS#12 given as bytes or base64 text. */
export function toDer(data: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof data === 'string') return fromText(data);
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length === 0) throw new PfxkitError('MALFORMED', 'empty input: no PKCS#12 data');
  if (bytes[0] === 0x30) return bytes;
  const text = decodeText(bytes);
  if (text === null) {
    const head = Buffer.from(bytes.subarray(0, 4)).toString('hex');
    throw new PfxkitError('MALFORMED', `found binary data starting ${head}, not PKCS#12 (which starts with a DER SEQUENCE, 30)`);
  }
  return fromText(text);
}
