/**
 * `pfxkit/writer`: writing, converting and minting bundles. @peculiar/x509 is loaded only when a
 * certificate is minted (mintSelfSigned, createClientBundle).
 */
export { writePkcs12, PROFILE_DEFAULT_ITERATIONS, type WriteProfile, type WriteInput, type WriteOptions } from '../pkcs12/write.js';
export { convertPkcs12, convertBundle, b2cEncodingGaps, createClientBundle, type ConvertOptions, type Converted, type CreateOptions, type Created } from '../pkcs12/convert.js';
export { mintSelfSigned, parseSubject, KEY_TYPES, type KeyType, type MintOptions, type MintedCertificate, type SubjectName, type SubjectValue } from '../cert/mint.js';
