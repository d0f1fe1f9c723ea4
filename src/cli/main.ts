#!/usr/bin/env node
/** The pfxkit command line: argument dispatch only; each command lives in its own file. */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PfxkitError } from '../errors.js';
import { printError, print, processIo, type Io } from './io.js';

type Command = (args: string[], io: Io) => Promise<number>;

/**
 * Each command's module is imported only when that command runs, so that `--version`, `--help`
 * and a read-only command load none of the others (nor @peculiar/x509, the emulator or Graph
 * code they need). The summaries live here for the same reason: help imports no command.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  inspect: { load: async () => (await import('./inspect.js')).inspectCommand, summary: 'read a PKCS#12 bundle (file, base64, stdin or Key Vault URL) and describe it' },
  validate: { load: async () => (await import('./validate.js')).validateCommand, summary: 'pre-upload checks: findings with codes, exit 1 on an error' },
  convert: { load: async () => (await import('./convert.js')).convertCommand, summary: 're-encode a bundle: compat (3DES, what B2C accepts) or modern (AES-256)' },
  new: { load: async () => (await import('./new.js')).newCommand, summary: 'mint a self-signed client-authentication certificate as a PKCS#12 bundle' },
  plan: { load: async () => (await import('./rotate.js')).planCommand, summary: 'what rotate would do to each connector and keyset, read-only' },
  rotate: { load: async () => (await import('./rotate.js')).rotateCommand, summary: "upload (or replace) a connector's or keyset's certificate, and verify it" },
  report: { load: async () => (await import('./report.js')).reportCommand, summary: 'expiry report of files, connectors, keysets, Key Vaults: table, JSON, CSV, Prometheus; Nagios codes' },
  emulator: { load: async () => (await import('./emulator.js')).emulatorCommand, summary: 'a local Graph emulator (connectors, keysets) for offline tries and tests' },
  probe: { load: async () => (await import('./probe.js')).probeCommand, summary: "find out Graph's undocumented rules on your tenant with a scratch connector" },
};

export const MAIN_HELP = `pfxkit: PKCS#12 client certificates for Microsoft Graph API connectors and B2C policy keysets

Usage: pfxkit COMMAND [options]      (pfxkit COMMAND --help for each)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Every command takes --json (one JSON document on stdout; logs on stderr) and --help.
Exit codes: 0 success, 1 a negative verdict, 2 an error; report uses Nagios codes (0-3).

Environment: PFXKIT_PASSWORD (bundle password when no --password-* option is given),
PFXKIT_GRAPH_URL, PFXKIT_ACCESS_TOKEN, AZURE_TENANT_ID / AZURE_CLIENT_ID (with --auth-pfx),
PFXKIT_KEYVAULT_TOKEN (Key Vault sources), PFXKIT_STATE_DIR (rotate's locks and upload records),
PFXKIT_EMULATOR_TOKEN, NO_COLOR, PFXKIT_DEBUG=1 (stack traces).
`;

/**
 * The version in pfxkit's package.json, the first one up from this file: it runs as
 * dist/bundle/cli.cjs (the installed bin), dist/src/cli/main.js or src/cli/main.ts.
 */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'pfxkit') return pkg.version;
    } catch {
      // none here: one folder up
    }
    if (new URL('..', dir).href === dir.href) throw new Error("pfxkit's package.json was not found");
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (command === undefined) {
      io.stderr.write(MAIN_HELP);
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      print(io, MAIN_HELP);
      return 0;
    }
    if (command === '--version') {
      print(io, packageVersion());
      return 0;
    }
    const c = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!c) throw new PfxkitError('USAGE', `unknown command "${command}" (see pfxkit --help)`);
    const run = await c.load();
    return await run(rest, io);
  } catch (err) {
    printError(io, err, json);
    // report follows Nagios (SPEC.md): an error of its own, such as an --out it cannot write, is UNKNOWN.
    return command === 'report' ? 3 : 2;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pfxkit: INTERNAL: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
