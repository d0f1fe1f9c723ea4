/**
 * `pfxkit`: the whole library, re-exported from the subpath entries (`pfxkit/reader`,
 * `pfxkit/writer`, `pfxkit/graph`, `pfxkit/report`, `pfxkit/emulator`, `pfxkit/keyvault`). Nothing else lives here.
 * The heavy dependencies load on first use, whichever entry is imported: @peculiar/x509 when a
 * certificate is minted, @azure/identity when a credential is built, node:http when the emulator
 * starts.
 */
export * from './entry/reader.js';
export * from './entry/writer.js';
export * from './entry/graph.js';
export * from './entry/report.js';
export * from './entry/emulator.js';
export * from './entry/keyvault.js';
