/** The apiConnector resource as Graph returns it (SPEC.md's Graph facts). */

/** One entry of certificateList; epochs are Unix seconds (Graph's NumericDate). */
export interface CertificateListEntry {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  isActive: boolean;
}

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
  return auth['@odata.type'] === CLIENT_CERT && Array.isArray(auth.certificateList) ? auth.certificateList : [];
}

export function isBasic(c: ApiConnector): boolean {
  return c.authenticationConfiguration?.['@odata.type'] === BASIC;
}
