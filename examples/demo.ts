/**
 * npm run demo: what pfxkit does today, through the library and the CLI, in a temporary folder:
 * mint a client certificate, validate it, re-encode an OpenSSL 3 (AES) export for B2C, and read
 * bundles from every producer. (The Graph rotation flow joins this demo when the adapter lands.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PfxkitError, readPkcs12 } from 'pfxkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const samples = join(root, 'test', 'fixtures', 'p12');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'pfxkit-demo-'));
const samplePassword = 'Str0ng-pass!'; // the sample bundles' password (test fixtures, not a secret)
const demoPassword = 'demo-only-password';

const bold = (s: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const step = (title: string): void => console.log(`\n${bold(`== ${title}`)}`);
function pfxkit(args: string[], password: string): void {
  const shown = args.map((a) => a.replace(work, '$TMP').replace(root + '/', '')).map((a) => (/[\s,]/.test(a) ? `"${a}"` : a));
  console.log(`$ pfxkit ${shown.join(' ')}`);
  try {
    process.stdout.write(execFileSync(process.execPath, [cli, ...args], { env: { ...process.env, PFXKIT_PASSWORD: password }, encoding: 'utf8' }));
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    process.stdout.write(e.stdout + e.stderr);
    console.log(`(exit ${e.status})`);
  }
}

try {
  step('1. Mint a client certificate for an API connector (compat profile: what B2C accepts)');
  const pfx = join(work, 'connector.pfx');
  pfxkit(['new', '--subject', 'CN=b2c-connector, O=Contoso', '--out', pfx, '--cert-out', join(work, 'connector.pem'), '--days', '365'], demoPassword);

  step('2. Check it before upload');
  pfxkit(['validate', pfx], demoPassword);

  step('3. An OpenSSL 3 export is AES-encrypted: validate warns, convert fixes it');
  const openssl3 = join(samples, 'openssl3-default.p12');
  pfxkit(['validate', openssl3, '--now', '2027-01-01T00:00:00Z'], samplePassword);
  pfxkit(['convert', openssl3, '--out', join(work, 'for-b2c.pfx')], samplePassword);

  step('4. A bundle that must not be uploaded: exit 1 and the reasons');
  pfxkit(['validate', join(samples, 'openssl3-expired.p12'), '--now', '2027-01-01T00:00:00Z'], samplePassword);

  step('5. The library reads bundles from every producer (thumbprint and validity as Graph shows them)');
  for (const file of ['openssl3-default.p12', 'openssl3-legacy.p12', 'keytool-jdk17.p12', 'nss-default.p12', 'forge-3des.p12', 'openssl3-chain.p12']) {
    const t = performance.now();
    const bundle = await readPkcs12(readFileSync(join(samples, file)), { password: samplePassword });
    const leaf = bundle.certificates[0]!;
    console.log(
      `${file.padEnd(22)} ${bundle.leaf}  notAfter ${leaf.notAfter}  ${bundle.certificates.length} cert(s)  ` +
        `${bundle.integrity.kind}/${bundle.integrity.digest}  ${(performance.now() - t).toFixed(0)} ms`,
    );
  }

  step('6. Failures come with a stable code, never a stack trace');
  for (const [file, pw] of [
    ['broken-wrong-password.p12', 'not-the-password'],
    ['broken-pem-certificate.pem', samplePassword],
    ['hostile-mac-iterations.p12', samplePassword],
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
} finally {
  rmSync(work, { recursive: true, force: true });
}
