/**
 * A pre-upload check as a CI step would run it: read the bundle, validate it, and if it is
 * AES-encrypted (which B2C is reported to refuse), write a compat copy next to it.
 *
 *   PFX_PASSWORD=... node dist/examples/pre-upload-check.js client.pfx [minDays]
 *
 * Exit code 0 when the bundle can go to Graph, 1 when it must not, 2 when it cannot be read.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { convertPkcs12, PfxkitError, readPkcs12, validateBundle } from 'pfxkit';

const [file, minDays = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: pre-upload-check FILE [minDays]');
  process.exit(2);
}
const password = process.env.PFX_PASSWORD;

try {
  const bytes = await readFile(file);
  const bundle = await readPkcs12(bytes, { password });
  const result = validateBundle(bundle, { now: new Date(), minDays: Number(minDays) });
  for (const f of result.findings) console.log(`${f.severity.padEnd(7)} ${f.code}: ${f.message}`);
  if (!result.ok) {
    console.log(`${file}: not fit for upload`);
    process.exit(1);
  }
  if (result.findings.some((f) => f.code === 'ENCRYPTION_COMPAT')) {
    const { pkcs12 } = await convertPkcs12(bytes, { password, profile: 'compat' });
    await writeFile(`${file}.compat.pfx`, pkcs12, { mode: 0o600 });
    console.log(`wrote ${file}.compat.pfx (3DES, SHA-1 MAC): upload that one to B2C`);
  }
  console.log(`${file}: ok, thumbprint ${result.leaf?.thumbprint}, notAfter ${result.leaf?.notAfter}`);
} catch (err) {
  if (!(err instanceof PfxkitError)) throw err;
  console.error(`${file}: ${err.code}: ${err.message}`);
  process.exit(2);
}
