/**
 * npm run demo: the main job, offline. A local Graph emulator stands in for Microsoft Graph; the
 * pfxkit CLI mints certificates, validates them, switches a Basic-auth API connector to a client
 * certificate, rotates it to a newer one (verified against the certificateList Graph returns),
 * shows that a rerun writes nothing, sends an AES bundle (which B2C refuses) in the form B2C
 * accepts, rotates a custom policy's key in a policy keyset, takes a renewed certificate straight
 * from Key Vault to both, probes Graph's undocumented rules, and reports expiry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { createClientBundle, createConnector, GraphHttp, staticToken } from 'pfxkit';
import { GraphEmulator, KeyVaultEmulator } from 'pfxkit/emulator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The CLI as installed: package.json `bin`.
const cli = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { pfxkit: string } }).bin.pfxkit);
const work = mkdtempSync(join(tmpdir(), 'pfxkit-demo-'));
const run = promisify(execFile);

const bold = (s: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const step = (title: string): void => console.log(`\n${bold(`== ${title}`)}`);

// The emulator behaves as B2C documents: it refuses AES-encrypted bundles (AADB2C90213).
const emulator = new GraphEmulator();
const url = await emulator.start();
const env = { ...process.env, PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token, PFXKIT_PASSWORD: 'demo-only-password', NO_COLOR: '1', PFXKIT_STATE_DIR: join(work, 'state') };

/** Runs the CLI as a user would (asynchronously: the emulator answers from this process). */
async function pfxkit(...args: string[]): Promise<void> {
  await pfxkitWith({}, ...args);
}

/** The same, with more environment (the Key Vault step's token and CA). */
async function pfxkitWith(extra: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  const shown = args.map((a) => a.replace(work, '$TMP')).map((a) => (/[\s,]/.test(a) ? `"${a}"` : a));
  console.log(`$ pfxkit ${shown.join(' ')}`);
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...env, ...extra }, encoding: 'utf8' });
    process.stdout.write(stdout + stderr);
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    process.stdout.write(e.stdout + e.stderr);
    console.log(`(exit ${e.code})`);
  }
}

try {
  console.log(`Graph emulator on ${url} (PFXKIT_GRAPH_URL), bearer token in PFXKIT_ACCESS_TOKEN, bundle password in PFXKIT_PASSWORD`);

  step('1. A connector set up by hand: Basic authentication');
  const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token) });
  const connector = await createConnector(http, {
    displayName: 'b2c-signup-validation',
    targetUrl: 'https://api.contoso.com/b2c/validate',
    authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'b2c', password: 'basic-password-to-retire' },
  });
  console.log(`created ${connector.displayName} (${connector.id}), authentication: ${connector.authenticationConfiguration['@odata.type']}`);

  step('2. Mint a client certificate and check it before upload');
  const current = join(work, 'current.pfx');
  await pfxkit('new', '--subject', 'CN=b2c-connector, O=Contoso', '--out', current, '--cert-out', join(work, 'current.pem'), '--days', '180');
  await pfxkit('validate', current);

  step('3. Plan, then switch the connector from Basic to the certificate (PATCH), verified');
  await pfxkit('plan', current, '--connector', connector.id);
  await pfxkit('rotate', current, '--connector', connector.id);

  step('4. Rotate to a newer certificate (uploadClientCertificate appends; "active" is what Graph answers)');
  const next = join(work, 'next.pfx');
  await pfxkit('new', '--subject', 'CN=b2c-connector, O=Contoso', '--out', next, '--days', '365', '--key', 'ec-p256');
  await pfxkit('rotate', next, '--connector-name', 'b2c-signup-validation', '--require-active');

  step('5. Run it again: nothing to write');
  await pfxkit('rotate', next, '--connector', connector.id);

  step("6. An AES-encrypted bundle (OpenSSL 3's default), which B2C refuses: sent as-is it fails, by default it is re-encoded in memory");
  const aes = join(work, 'aes.pfx');
  await pfxkit('new', '--subject', 'CN=partner-api-client', '--out', aes, '--profile', 'modern', '--iterations', '20000');
  const other = await createConnector(http, {
    displayName: 'partner-api',
    targetUrl: 'https://partner.example/api',
    authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'p', password: 'basic-password-2' },
  });
  await pfxkit('rotate', aes, '--connector', other.id, '--as-is');
  await pfxkit('rotate', aes, '--connector', other.id);

  step("7. A B2C custom policy's client certificate: a policy keyset (Graph beta), created, uploaded, verified");
  const policyKey = join(work, 'policy-key.pfx');
  await pfxkit('new', '--subject', 'CN=b2c-policy-rest-client', '--out', policyKey, '--key', 'ec-p256');
  await pfxkit('plan', policyKey, '--keyset', 'RestApiClientCertificate', '--create-keyset');
  await pfxkit('rotate', policyKey, '--keyset', 'RestApiClientCertificate', '--create-keyset', '--require-active');
  await pfxkit('rotate', policyKey, '--keyset', 'B2C_1A_RestApiClientCertificate');

  step('8. From Key Vault, where certificates live: a download (empty password, AES) straight to a connector and a keyset');
  const vault = new KeyVaultEmulator();
  const vaultUrl = await vault.start();
  try {
    // What Key Vault holds after a renewal: a PKCS#12 with the empty password, AES-encrypted.
    const renewed = await createClientBundle({ subject: 'CN=b2c-connector, O=Contoso', now: new Date(), days: 365, password: '', profile: 'modern', iterations: 2048, key: 'ec-p256' });
    await vault.addCertificate('b2c-client', { pkcs12: renewed.pkcs12 });
    const ca = join(work, 'vault-ca.pem');
    writeFileSync(ca, vault.caPem);
    // The stand-in's TLS certificate is trusted the way Node trusts any extra CA.
    const kv = { NODE_EXTRA_CA_CERTS: ca, PFXKIT_KEYVAULT_TOKEN: vault.token, PFXKIT_PASSWORD: '' };
    await pfxkitWith(kv, 'inspect', `${vaultUrl}/certificates/b2c-client`);
    await pfxkitWith(kv, 'rotate', `${vaultUrl}/certificates/b2c-client`, '--connector', connector.id, '--keyset', 'RestApiClientCertificate');
    await pfxkitWith(kv, 'report', '--keyvault', vaultUrl, '--connectors', '--keysets', '--no-exit-code');
  } finally {
    await vault.stop();
  }

  step('9. What Graph does where its docs are silent, found with a scratch connector (deleted after)');
  await pfxkit('probe');

  step('10. Expiry report of every connector (Nagios exit code; also --format json|csv|prometheus)');
  await pfxkit('report');
  await pfxkit('report', '--format', 'prometheus', '--no-exit-code');

  console.log('\nNext: npm test runs the whole suite; pfxkit --help lists the commands; pfxkit emulator runs this Graph stand-in on its own.');
} finally {
  await emulator.stop();
  rmSync(work, { recursive: true, force: true });
}
