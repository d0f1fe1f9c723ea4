export { PfxkitError, isPfxkitError, toPfxkitError, ERROR_CODES, type PfxkitErrorCode, type Problem } from './errors.js';
export { readPkcs12, type ReadOptions } from './pkcs12/read.js';
export type { Pkcs12Bundle, CertificateInfo, Integrity, EncryptedPart, PrivateKeyEntry } from './pkcs12/bundle.js';
export { DEFAULT_MAX_ITERATIONS } from './pkcs12/limits.js';
export { validateBundle } from './validate/validate.js';
export type { ValidationResult, Finding, FindingCode, Severity, ValidateOptions } from './validate/types.js';
export { writePkcs12, PROFILE_DEFAULT_ITERATIONS, type WriteProfile, type WriteInput, type WriteOptions } from './pkcs12/write.js';
export { convertPkcs12, convertBundle, b2cEncodingGaps, createClientBundle, type ConvertOptions, type Converted, type CreateOptions, type Created } from './pkcs12/convert.js';
export { mintSelfSigned, parseSubject, KEY_TYPES, type KeyType, type MintOptions, type MintedCertificate } from './cert/mint.js';
export { GraphHttp, parseRetryAfter, type HttpOptions, type RequestOptions } from './graph/http.js';
export { staticToken, credentialToken, certificateCredential, defaultCredential, bundleToPem, type TokenSource } from './graph/credentials.js';
export { CLOUDS, graphBaseUrl, scopeFor, parseCloud, assertConnectorsIn, betaUrlOf, type Cloud } from './graph/clouds.js';
export {
  listConnectors,
  getConnector,
  createConnector,
  patchConnector,
  replaceCertificate,
  uploadClientCertificate,
  deleteConnector,
  type NewConnector,
} from './graph/connectors.js';
export { certificateListOf, isBasic, connectorTarget, type ApiConnector, type CertificateListEntry } from './graph/types.js';
export type { Target, TargetCertificate, TargetKind } from './rotation/target.js';
export { rotate, type RotateOptions, type RotateResult, type RotateReport, type Encoding } from './graph/rotate.js';
export { probeGraph, type ProbeOptions, type ProbeResult } from './graph/probe.js';
export {
  listKeySets,
  getKeySet,
  createKeySet,
  uploadPkcs12,
  getActiveKey,
  keysetCertificates,
  keysetTarget,
  keysetIdOf,
  thumbprintOfX5t,
  type TrustFrameworkKey,
  type TrustFrameworkKeySet,
} from './graph/keysets.js';
export { fileJournal, defaultStateDir, journalKey, type Journal, type PendingUpload, type LockOptions } from './graph/journal.js';
export { planRotation, candidateOf, type Plan, type PlanInput, type RotateMode, type RotateAction, type CandidateFacts } from './rotation/plan.js';
export { GraphEmulator, rulesFromProbe, type EmulatorOptions, type Fault, type ActiveRule } from './emulator/server.js';
export { reportConnectors, reportFiles, nagiosExitCode, mergeReports, type ReportOptions } from './report/build.js';
export { reportKeysets } from './report/keysets.js';
export { reportKeyVault, type KeyVaultReportOptions } from './report/keyvault.js';
export {
  readKeyVaultBundle,
  listKeyVaultCertificates,
  staticTokenCredential,
  keyVaultError,
  type KeyVaultOptions,
  type KeyVaultBundle,
  type KeyVaultCertificateInfo,
} from './sources/keyvault.js';
export { parseKeyVaultUrl, KEYVAULT_CLOUDS, type KeyVaultRef, type KeyVaultCloud } from './sources/url.js';
export { pemToPkcs12 } from './sources/pem.js';
export { KeyVaultEmulator, type KeyVaultEmulatorOptions, type KeyVaultFault } from './emulator/keyvault.js';
export { formatReport, formatTable, formatCsv, formatJson, formatPrometheus, REPORT_FORMATS, type ReportFormat } from './report/format.js';
export type { Report, ReportRow, ReportError } from './report/types.js';
export { renewAt, expiryStatus, daysRemaining, parseDuration, DEFAULT_THRESHOLDS, type ExpiryStatus, type Thresholds } from './rotation/policy.js';
