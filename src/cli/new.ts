/** pfxkit new --subject DN --out OUT: mints a self-signed client certificate as a PKCS#12 bundle. */
import { KEY_TYPES, type KeyType } from '../cert/mint.js';
import { PfxkitError } from '../errors.js';
import { createClientBundle } from '../pkcs12/convert.js';
import { intFlag, parse, passwordOptions } from './args.js';
import { parseProfile } from './convert.js';
import { checkWritable, writeFileAtomic } from '../io/files.js';
import { isoSeconds } from '../lib/text.js';
import { print, printJson, type Io } from './io.js';
import { resolvePassword } from './password.js';

export const NEW_HELP = `Usage: pfxkit new --subject DN --out OUT [options]

Mints a self-signed client-authentication certificate (clientAuth EKU, digitalSignature key
usage, CA:FALSE, SHA-256 signature) and writes it with its key as a PKCS#12 bundle. Prints the
thumbprint and validity: what the API that receives the calls needs to trust the client.

Options:
  --subject DN             e.g. "CN=b2c-connector, O=Contoso" (a bare name means CN=name); values
                           are kept as written: escape a comma or plus inside one as , and +
  --out OUT                the bundle to write; refused if it exists, unless --force
  --days N                 lifetime in days (default 365); notBefore is 5 minutes back for clock skew
  --key TYPE               ${KEY_TYPES.join(' | ')} (default rsa-2048)
  --profile compat|modern  encryption of the bundle (default compat: what Azure AD B2C accepts)
  --iterations N           key-derivation iterations (default per profile)
  --cert-out PEM           also write the certificate (public, no key) as PEM for the API side
  --force                  replace existing files
  --json                   print {"path", "certOut", "profile", "certificate"} on stdout
  -h, --help               show this help

Password of the new bundle (required, never a literal flag):
  --password-env NAME | --password-file PATH | --password-stdin, else PFXKIT_PASSWORD;
  --no-password writes the bundle with the empty password, which protects nothing: say it
  explicitly if that is what you want.

Example:
  PFXKIT_PASSWORD=... pfxkit new --subject "CN=b2c-connector" --out connector.pfx --cert-out connector.pem
`;

function parseKey(value: unknown): KeyType {
  if (value === undefined) return 'rsa-2048';
  if (KEY_TYPES.includes(value as KeyType)) return value as KeyType;
  throw new PfxkitError('USAGE', `--key takes ${KEY_TYPES.join(', ')}, not "${String(value)}"`);
}

export async function newCommand(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, {
    ...passwordOptions(),
    subject: { type: 'string' },
    out: { type: 'string' },
    days: { type: 'string' },
    key: { type: 'string' },
    profile: { type: 'string' },
    iterations: { type: 'string' },
    'cert-out': { type: 'string' },
    'no-password': { type: 'boolean' },
    force: { type: 'boolean' },
  });
  const v = parsed.values;
  if (v.help) {
    print(io, NEW_HELP);
    return 0;
  }
  if (parsed.positionals.length) throw new PfxkitError('USAGE', `new takes no FILE argument (got "${parsed.positionals[0]}"); see pfxkit new --help`);
  if (typeof v.subject !== 'string') throw new PfxkitError('USAGE', 'new needs --subject DN, e.g. --subject "CN=b2c-connector"');
  if (typeof v.out !== 'string' || v.out === '') throw new PfxkitError('USAGE', 'new needs --out OUT');
  const days = intFlag(v.days, 'days', 1);
  const iterations = intFlag(v.iterations, 'iterations', 1);
  const key = parseKey(v.key);
  const profile = parseProfile(v.profile);
  let password = await resolvePassword(parsed, io);
  if (v['no-password']) {
    if (password !== undefined) throw new PfxkitError('USAGE', '--no-password and a password cannot both be given');
    password = '';
  }
  if (password === undefined) {
    throw new PfxkitError('USAGE', 'the new bundle needs a password: --password-env NAME, --password-file PATH, --password-stdin or PFXKIT_PASSWORD (or --no-password)');
  }
  const certOut = typeof v['cert-out'] === 'string' ? v['cert-out'] : null;
  const force = v.force === true;
  await checkWritable([v.out, certOut], force);
  const created = await createClientBundle({ subject: v.subject, now: io.now(), days, key, password, profile, iterations });
  if (certOut) await writeFileAtomic(certOut, created.certificatePem, { force, mode: 0o644 });
  await writeFileAtomic(v.out, created.pkcs12, { force });
  const c = created.certificate;
  if (v.json) {
    printJson(io, { path: v.out, certOut, profile, certificate: c });
  } else {
    print(
      io,
      [
        `wrote ${v.out} (${profile}, ${c.keyAlgorithm} ${c.keySize})${certOut ? ` and ${certOut}` : ''}`,
        `  subject      ${c.subject}`,
        `  thumbprint   ${c.thumbprint}`,
        `  not before   ${isoSeconds(c.notBefore)}  (${c.notBefore})`,
        `  not after    ${isoSeconds(c.notAfter)}  (${c.notAfter})`,
        `The API that receives the connector's calls must trust this certificate: pin its thumbprint,`,
        `or install ${certOut ?? 'the certificate (--cert-out writes it as PEM)'} as a trusted client certificate.`,
      ].join('\n'),
    );
  }
  return 0;
}
