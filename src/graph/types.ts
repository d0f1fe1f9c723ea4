/** The apiConnector resource as Graph returns it (SPEC.md's Graph facts). */
import type { Target, TargetCertificate } from '../rotation/target.js';

/** One entry of certificateList; epochs are Unix seconds (Graph's NumericDate). */
export type CertificateListEntry = TargetCertificate;

export interface BasicAuthentication {
  '@odata.type': '#microsoft.graph.basicAuthentication';
  username: string;
  /** Graph shows `******`. */
  password: string;
}

export interface ClientCertificateAuthentication {
  '@odata.type': '#microsoft.graph.clientCertificateAuthentication';
  certificateList: CertificateListEntry[];
}

export interface ApiConnector {
  id: string;
  displayName: string;
  targetUrl: string;
  authenticationConfiguration: BasicAuthentication | ClientCertificateAuthentication | { '@odata.type': string };
}

export const BASIC = '#microsoft.graph.basicAuthentication';
export const CLIENT_CERT = '#microsoft.graph.clientCertificateAuthentication';
export const PKCS12 = '#microsoft.graph.pkcs12Certificate';

/** The certificate list of a connector ([] for Basic auth). */
export function certificateListOf(c: ApiConnector): CertificateListEntry[] {
  const auth = c.authenticationConfiguration as Partial<ClientCertificateAuthentication>;
  return odataType(auth) === CLIENT_CERT && Array.isArray(auth.certificateList) ? auth.certificateList : [];
}

/** Graph's `@odata.type` with its leading `#` (the docs write it both ways). */
export const odataType = (auth: { '@odata.type'?: unknown } | undefined): string => {
  const t = auth?.['@odata.type'];
  return typeof t === 'string' ? `#${t.replace(/^#/, '')}` : '';
};

export function isBasic(c: ApiConnector): boolean {
  return odataType(c.authenticationConfiguration) === BASIC;
}

/** The planner's view of a connector. */
export function connectorTarget(c: ApiConnector): Target {
  return { kind: 'connector', id: c.id, displayName: c.displayName, basic: isBasic(c), certificates: certificateListOf(c) };
}
