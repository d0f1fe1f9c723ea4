export { PfxkitError, isPfxkitError, ERROR_CODES, type PfxkitErrorCode } from './errors.js';
export { readPkcs12, type ReadOptions } from './pkcs12/read.js';
export type { Pkcs12Bundle, CertificateInfo, Integrity, EncryptedPart, PrivateKeyEntry } from './pkcs12/bundle.js';
export { DEFAULT_MAX_ITERATIONS } from './pkcs12/limits.js';
export { validateBundle } from './validate/validate.js';
export type { ValidationResult, Finding, FindingCode, Severity, ValidateOptions } from './validate/types.js';
export { writePkcs12, PROFILE_DEFAULT_ITERATIONS, type WriteProfile, type WriteInput, type WriteOptions } from './pkcs12/write.js';
export { convertPkcs12, createClientBundle, type ConvertOptions, type Converted, type CreateOptions, type Created } from './pkcs12/convert.js';
export { mintSelfSigned, parseSubject, KEY_TYPES, type KeyType, type MintOptions, type MintedCertificate } from './cert/mint.js';
