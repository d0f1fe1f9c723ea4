/** `pfxkit/emulator`: the local Graph emulator (node:http is loaded when it starts). */
export { GraphEmulator, rulesFromProbe, type EmulatorOptions, type Fault, type ActiveRule } from '../emulator/server.js';
export { KeyVaultEmulator, type KeyVaultEmulatorOptions, type KeyVaultFault } from '../emulator/keyvault.js';
