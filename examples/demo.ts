/**
 * npm run demo: what pfxkit does today, on the bundled sample bundles, through the library and
 * through the CLI. (The Graph rotation flow joins this demo when the adapter lands.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PfxkitError, readPkcs12 } from 'pfxkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const samples = join(root, 'test', 'fixtures', 'p12');
const password = 'Str0ng-pass!'; // the sample bundles' password (test fixtures, not a secret)
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const bold = (s: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const step = (title: string): void => console.log(`\n${bold(`== ${title}`)}`);

step('1. The library reads bundles from every producer (thumbprint and validity as Graph shows them)');
for (const file of ['openssl3-default.p12', 'openssl3-legacy.p12', 'keytool-jdk17.p12', 'nss-default.p12', 'forge-3des.p12', 'openssl3-chain.p12']) {
  const t = performance.now();
  const bundle = await readPkcs12(readFileSync(join(samples, file)), { password });
  const leaf = bundle.certificates[0]!;
  console.log(
    `${file.padEnd(22)} ${bundle.leaf}  notAfter ${leaf.notAfter}  ${bundle.certificates.length} cert(s)  ` +
      `${bundle.integrity.kind}/${bundle.integrity.digest}  ${(performance.now() - t).toFixed(0)} ms`,
  );
}

step('2. A Key Vault secret (base64 text) through the CLI: pfxkit inspect');
const b64 = join(samples, 'openssl3-default.b64');
console.log(`$ PFXKIT_PASSWORD=… pfxkit inspect ${relative(root, b64)}`);
process.stdout.write(execFileSync(process.execPath, [cli, 'inspect', b64], { env: { ...process.env, PFXKIT_PASSWORD: password }, encoding: 'utf8' }));

step('3. Failures come with a stable code, never a stack trace');
for (const [file, pw] of [
  ['broken-wrong-password.p12', 'not-the-password'],
  ['broken-pem-certificate.pem', password],
  ['hostile-mac-iterations.p12', password],
] as const) {
  try {
    await readPkcs12(readFileSync(join(samples, file)), { password: pw });
    console.log(`${file}: read (unexpected)`);
  } catch (err) {
    if (!(err instanceof PfxkitError)) throw err;
    console.log(`${file.padEnd(28)} ${err.code}: ${err.message}`);
  }
}
console.log('\nNext: npm test runs the whole fixture corpus; pfxkit --help lists the commands.');
