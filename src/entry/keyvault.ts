/**
 * `pfxkit/keyvault`: Azure Key Vault as a source (secret and certificate URLs, PEM secrets packaged
 * as PKCS#12). The Azure SDK clients load when a vault is first touched.
 */
export {
  readKeyVaultBundle,
  listKeyVaultCertificates,
  staticTokenCredential,
  keyVaultError,
  type KeyVaultOptions,
  type KeyVaultBundle,
  type KeyVaultCertificateInfo,
} from '../sources/keyvault.js';
export { parseKeyVaultUrl, KEYVAULT_CLOUDS, type KeyVaultRef, type KeyVaultCloud } from '../sources/url.js';
export { pemToPkcs12 } from '../sources/pem.js';
