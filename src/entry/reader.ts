/**
 * `pfxkit/reader`: reading and checking a bundle (the pure crypto layer's read side) and the error
 * type. Loads no Graph, minting, writing or emulator code.
 */
export { PfxkitError, isPfxkitError, toPfxkitError, ERROR_CODES, type PfxkitErrorCode, type Problem } from '../errors.js';
export { readPkcs12, type ReadOptions } from '../pkcs12/read.js';
export type { Pkcs12Bundle, CertificateInfo, Integrity, EncryptedPart, PrivateKeyEntry } from '../pkcs12/bundle.js';
export { DEFAULT_MAX_ITERATIONS } from '../pkcs12/limits.js';
export { validateBundle } from '../validate/validate.js';
export type { ValidationResult, Finding, FindingCode, Severity, ValidateOptions } from '../validate/types.js';
