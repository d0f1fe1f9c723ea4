/**
 * `pfxkit/graph`: the Graph adapter (transport, tokens, clouds, connector calls), the rotation
 * planner and rotate/probe. @azure/identity is loaded only when a credential is built.
 */
export { GraphHttp, type HttpOptions, type RequestOptions } from '../graph/http.js';
export { parseRetryAfter } from '../lib/http.js';
export { staticToken, credentialToken, certificateCredential, defaultCredential, bundleToPem, type TokenSource } from '../graph/credentials.js';
export type { AccessToken, TokenCredential } from '../lib/token-credential.js';
export { CLOUDS, graphBaseUrl, scopeFor, parseCloud, assertConnectorsIn, betaUrlOf, type Cloud } from '../graph/clouds.js';
export {
  listConnectors,
  getConnector,
  createConnector,
  patchConnector,
  replaceCertificate,
  uploadClientCertificate,
  deleteConnector,
  type NewConnector,
} from '../graph/connectors.js';
export { certificateListOf, isBasic, connectorTarget, type ApiConnector, type CertificateListEntry } from '../graph/types.js';
export type { Target, TargetCertificate, TargetKind } from '../rotation/target.js';
export { rotate, type RotateOptions, type RotateResult, type RotateReport, type Encoding } from '../graph/rotate.js';
export { probeGraph, type ProbeOptions, type ProbeResult } from '../graph/probe.js';
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
} from '../graph/keysets.js';
export { fileJournal, defaultStateDir, journalKey, type Journal, type PendingUpload, type LockOptions } from '../graph/journal.js';
export { planRotation, candidateOf, type Plan, type PlanInput, type RotateMode, type RotateAction, type CandidateFacts } from '../rotation/plan.js';
