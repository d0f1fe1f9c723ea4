/**
 * npm run bench: readPkcs12 in-process against node-forge in-process and the openssl CLI (native
 * time = its run minus a bare `openssl version` start) on the same files. Each side gets warm-up
 * runs, then the median of RUNS timed runs; ratios are from this one run of the script.
 *
 *   npm run bench                                      the project's four files; writes bench/RESULTS.md
 *   npm run bench -- [--password-env NAME] FILE...     any files (password from NAME, else
 *                                                      PFXKIT_PASSWORD, else none); prints only
 *
 * Targets (issue 11), every file: at least 5x node-forge, and no slower than openssl's native work.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import forge from 'node-forge';
import { readPkcs12, type Pkcs12Bundle } from 'pfxkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'test', 'fixtures', 'p12');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 30;

const PROJECT_FILES = [
  { path: join(dir, 'openssl3-default.p12'), label: 'OpenSSL 3 default (PBES2, 2048)' },
  { path: join(dir, 'openssl3-legacy.p12'), label: 'OpenSSL 3 -legacy (RC2-40 + 3DES, 2048)' },
  { path: join(dir, 'keytool-jdk17.p12'), label: 'keytool JDK 17 (PBES2, 10,000)' },
  { path: join(dir, 'nss-default.p12'), label: 'NSS pk12util (PBES2, 600,000)' },
];

const { values, positionals } = parseArgs({ options: { 'password-env': { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
if (values.help) {
  console.log("usage: npm run bench [-- [--password-env NAME] FILE...]\n(no files: the project's four, written to bench/RESULTS.md)");
  process.exit(0);
}
const adHoc = positionals.length > 0;
const password = adHoc ? process.env[values['password-env'] ?? 'PFXKIT_PASSWORD'] : 'Str0ng-pass!';
const files = adHoc ? positionals.map((p) => ({ path: p, label: basename(p) })) : PROJECT_FILES;

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Collects the other side's garbage before a timed phase (npm run bench passes --expose-gc). */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function time(fn: () => unknown, runs: number, warmup = WARMUP): Promise<number> {
  gc();
  for (let i = 0; i < warmup; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

function forgeRead(bytes: Buffer): void {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
  forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
}

/** openssl's native time, or null when it cannot read the file. */
function opensslNative(file: string, runs: number, warmup: number): number | null {
  const env = { ...process.env, BENCH_PW: password ?? '' };
  const run = (args: string[]): number | null => {
    const t = performance.now();
    const r = spawnSync('openssl', args, { stdio: 'ignore', env });
    return r.status === 0 ? performance.now() - t : null;
  };
  // -legacy loads the provider with RC2 and does not change how other files are read.
  const args = ['pkcs12', '-legacy', '-in', file, '-passin', 'env:BENCH_PW', '-nodes', '-out', '/dev/null'];
  if (run(args) === null) return null;
  for (let i = 0; i < warmup; i++) run(args);
  const full: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(run(['version'])!);
    full.push(run(args)!);
  }
  return Math.max(median(full) - median(bare), 0.01);
}

/** PBES2 unless a part uses the PKCS#12 KDF's PBE. */
const kdfOf = (b: Pkcs12Bundle): 'pbes2' | 'pkcs12' => (b.encryption.some((e) => e.includes('PKCS#12 PBE')) ? 'pkcs12' : 'pbes2');

const fmt = (ms: number | null): string => (ms === null ? 'n/a' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
const opensslVersion = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${opensslVersion}; node-forge 1.4.3`;

const rows: string[][] = [];
const verdicts: string[] = [];
let missed = 0;
for (const f of files) {
  const bytes = readFileSync(f.path);
  let bundle: Pkcs12Bundle;
  const t0 = performance.now();
  try {
    bundle = await readPkcs12(bytes, { password });
  } catch (err) {
    console.error(`${f.label}: pfxkit cannot read it (${(err as { code?: string }).code ?? String(err)}); skipped`);
    continue;
  }
  // A slow file (a big iteration count) gets fewer runs.
  const slow = performance.now() - t0 > 50;
  const runs = slow ? Math.max(5, Math.floor(RUNS / 3)) : RUNS;
  const warmup = slow ? 3 : WARMUP;
  process.stderr.write(`${f.label}: pfxkit`);
  const ours = await time(() => readPkcs12(bytes, { password }), runs, warmup);
  process.stderr.write(', node-forge');
  let theirs: number | null;
  try {
    forgeRead(bytes);
    theirs = await time(() => forgeRead(bytes), slow ? 3 : runs, slow ? 1 : warmup);
  } catch {
    theirs = null;
  }
  process.stderr.write(', openssl\n');
  const native = opensslNative(f.path, runs, slow ? 2 : warmup);
  const kdf = kdfOf(bundle);
  const limit = 1;
  const vsForge = theirs === null ? null : theirs / ours;
  const vsOpenssl = native === null ? null : ours / native;
  rows.push([f.label, fmt(ours), fmt(theirs), fmt(native), vsForge === null ? 'n/a' : `${vsForge.toFixed(1)}x`, vsOpenssl === null ? 'n/a' : `${vsOpenssl.toFixed(2)}x`]);
  const forgeVerdict = vsForge === null ? 'node-forge cannot read it' : `${vsForge >= 5 ? 'meets' : 'misses'} 5x node-forge (${vsForge.toFixed(1)}x)`;
  const opensslVerdict = vsOpenssl === null ? 'openssl cannot read it' : `${vsOpenssl <= limit ? 'no slower than' : 'slower than'} openssl (${vsOpenssl.toFixed(2)}x)`;
  if ((vsForge !== null && vsForge < 5) || (vsOpenssl !== null && vsOpenssl > limit)) missed++;
  // The project's labels name the scheme already; other files get it from the bundle.
  verdicts.push(`- ${f.label}${adHoc ? ` (${kdf === 'pbes2' ? 'PBES2' : 'PKCS#12 KDF'})` : ''}: ${forgeVerdict}; ${opensslVerdict}`);
}

const head = ['file', 'pfxkit ms', 'forge ms', 'openssl ms', 'forge / pfxkit', 'pfxkit / openssl'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const table = [line(head), ...rows.map(line)].join('\n');
console.log(machine);
console.log(`${RUNS} timed runs after ${WARMUP} warm-ups (slow files: fewer), medians\n`);
console.log(table);
console.log(`\n${verdicts.join('\n')}`);

if (!adHoc) {
  const md = `# Benchmark results

\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Medians of ${RUNS} timed runs after ${WARMUP} warm-ups (the 600,000-iteration NSS file: fewer),
garbage collected before each side's timed phase (node --expose-gc), so that one library's
garbage is not timed against the other.
openssl's time is its run minus a bare \`openssl version\` start. One run of the script; on a
shared 2-core machine figures move by a few percent between runs.

| ${head.join(' | ')} |
|${head.map(() => '---').join('|')}|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

Targets (issue 11): at least 5x node-forge and no slower than openssl's native work, on every file.

${verdicts.join('\n')}
`;
  writeFileSync(join(root, 'bench', 'RESULTS.md'), md);
}
process.exitCode = missed > 0 ? 1 : 0;
