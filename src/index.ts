/**
 * `pfxkit`: the library, re-exported from the subpath entries (`pfxkit/reader`, `pfxkit/writer`,
 * `pfxkit/graph`, `pfxkit/report`, `pfxkit/keyvault`). Nothing else lives here. The local
 * stand-ins for Graph and Key Vault (GraphEmulator, KeyVaultEmulator, rulesFromProbe) are tools
 * for tests and offline tries, not for a rotation job: they are in `pfxkit/emulator` only.
 * The heavy dependencies load on first use, whichever entry is imported: @peculiar/x509 when a
 * certificate is minted, @azure/identity when a credential is built.
 */
export * from './entry/reader.js';
export * from './entry/writer.js';
export * from './entry/graph.js';
export * from './entry/report.js';
export * from './entry/keyvault.js';
