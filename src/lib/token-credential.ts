/**
 * The shape of an @azure/identity TokenCredential, as pfxkit uses it: our own types, so that the
 * public declarations do not reference @azure/identity's (any credential from it, or from
 * @azure/core-auth, fits these structurally).
 */

/** A token and when it expires (Unix milliseconds). */
export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/** Anything that issues tokens for a scope, such as @azure/identity's credentials. */
export interface TokenCredential {
  getToken(scopes: string | string[], options?: object): Promise<AccessToken | null>;
}
