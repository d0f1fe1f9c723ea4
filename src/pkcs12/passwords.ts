/**
 * Passwords: how a password string becomes the bytes a KDF consumes, and which encodings a read
 * tries, in what order.
 *
 * RFC 7292 appendix B.1: the PKCS#12 KDF takes a BMPString (big-endian UTF-16) with a two-byte zero
 * terminator; PBES2's PBKDF2 and PBMAC1 take UTF-8 (RFC 8018, RFC 9579). The absent password (zero
 * bytes) and the empty one (the terminator alone) differ, and producers use both for "no password",
 * so a read without one tries both. OpenSSL before 1.1.0 encoded a non-ASCII password by widening
 * each UTF-8 byte: that form is tried after the proper one. The MAC is checked first, and the
 * encoding that matched it is tried first on every part encrypted in the same form.
 */
import { PfxkitError } from '../errors.js';
import * as der from '../lib/der.js';
import type { Budget } from './limits.js';
import type { MacCheck } from './mac.js';
import type { PbeScheme } from './pbe.js';

/** Which password encoding a KDF consumes. */
export type PasswordForm = 'bmp' | 'utf8';

/**
 * The PKCS#12 password form: big-endian UTF-16 (characters outside the BMP as surrogate pairs,
 * as JavaScript strings already hold them) followed by a two-byte zero terminator.
 * `undefined` is the absent password: zero bytes.
 */
export function bmpPassword(password: string | undefined): Uint8Array {
  if (password === undefined) return new Uint8Array(0);
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[i * 2] = c >> 8;
    out[i * 2 + 1] = c & 0xff;
  }
  return out;
}

/**
 * What OpenSSL before 1.1.0 derived from a non-ASCII password: each UTF-8 byte widened to 16 bits
 * (as if the bytes were Latin-1), plus the terminator.
 */
export function legacyOpensslPassword(password: string): Uint8Array {
  const utf8 = new TextEncoder().encode(password);
  const out = new Uint8Array(utf8.length * 2 + 2);
  for (let i = 0; i < utf8.length; i++) out[i * 2 + 1] = utf8[i]!;
  return out;
}

/** The PBKDF2 / PBMAC1 password form: UTF-8 bytes, no terminator. */
export function utf8Password(password: string | undefined): Uint8Array {
  return password === undefined ? new Uint8Array(0) : new TextEncoder().encode(password);
}

/** The encodings of `password` to try in `form`, in order. */
export function passwordCandidates(password: string | undefined, form: PasswordForm): Uint8Array[] {
  if (form === 'utf8') return [utf8Password(password ?? '')];
  if (password === undefined) return [bmpPassword(undefined), bmpPassword('')];
  if (password === '') return [bmpPassword(''), bmpPassword(undefined)];
  const list = [bmpPassword(password)];
  if (/[^\u0000-\u007f]/.test(password)) list.push(legacyOpensslPassword(password));
  return list;
}

/** True when decrypted bytes hold a DER SEQUENCE (a wrong key that happens to unpad does not). */
function isSequence(plain: Uint8Array): boolean {
  try {
    der.seq(der.decode(plain, 'decrypted data').node, 'decrypted data');
    return true;
  } catch {
    return false;
  }
}

/**
 * The password of one read, tried against the MAC and the encrypted parts. Each try's key
 * derivation is counted against the read's budget before it is done.
 */
export class Passwords {
  /** The encoding that matched the MAC, once it has. */
  private matched: { form: PasswordForm; bytes: Uint8Array } | null = null;
  /** Whether the file has a MAC (checked before, or alongside, the parts). */
  private hasMac = false;

  constructor(
    private readonly password: string | undefined,
    private readonly budget: Budget,
  ) {}

  /** The encodings to try in `form`, the MAC's first when it matched in this form. */
  candidates(form: PasswordForm): Uint8Array[] {
    const list = passwordCandidates(this.password, form);
    const m = this.matched;
    if (!m || m.form !== form) return list;
    return [m.bytes, ...list.filter((c) => Buffer.compare(c, m.bytes) !== 0)];
  }

  /** Checks the MAC over `content`, settling the encoding; BAD_PASSWORD when none matches. */
  async verifyMac(mac: MacCheck, content: Uint8Array): Promise<void> {
    this.hasMac = true;
    for (const candidate of this.candidates(mac.passwordForm)) {
      this.budget.spend(mac.kdf(candidate));
      if (await mac.verify(candidate, content)) {
        this.matched = { form: mac.passwordForm, bytes: candidate };
        return;
      }
    }
    throw new PfxkitError('BAD_PASSWORD', 'integrity check failed: wrong password, or the file was altered');
  }

  /** Decrypts a part (`what`: "encrypted safe", "private key"); BAD_PASSWORD when no encoding opens it. */
  async decrypt(scheme: PbeScheme, ciphertext: Uint8Array, what: string): Promise<Uint8Array> {
    for (const candidate of this.candidates(scheme.passwordForm)) {
      this.budget.spend(scheme.kdf(candidate));
      const plain = await scheme.decrypt(candidate, ciphertext);
      if (plain && isSequence(plain)) return plain;
    }
    throw new PfxkitError(
      'BAD_PASSWORD',
      // A part fails after the MAC matched, or beside a MAC check whose own failure comes first.
      this.hasMac ? `the MAC matched but the ${what} did not decrypt: it was encrypted with another password, or the file is damaged` : `wrong password: the ${what} did not decrypt`,
    );
  }
}
