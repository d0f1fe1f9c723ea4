/**
 * The planner's model of a place a certificate goes. The Graph adapter maps each kind of target
 * (an API connector, a policy keyset) to this shape; the planner knows nothing else of Graph.
 */

/** A certificate on a target, as the service shows it; epochs are Unix seconds. */
export interface TargetCertificate {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  /** What the service says: never predicted. */
  isActive: boolean;
}

export type TargetKind = 'connector' | 'keyset';

export interface Target {
  kind: TargetKind;
  id: string;
  displayName: string | null;
  /** An API connector on Basic authentication: it has no certificate list until a PATCH switches it. */
  basic: boolean;
  certificates: TargetCertificate[];
}
