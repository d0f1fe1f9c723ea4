/**
 * npm run bench: readPkcs12 in-process against node-forge in-process and the openssl CLI (native
 * time = its run minus a bare `openssl version` start) on the same fixture files. Each side gets
 * warm-up runs, then the median of RUNS timed runs; ratios are from this one run of the script.
 * The table and the machine go to stdout and to bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { readPkcs12 } from 'pfxkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'test', 'fixtures', 'p12');
const PW = 'Str0ng-pass!';
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 30;

const FILES = [
  { file: 'openssl3-default.p12', label: 'OpenSSL 3 default (PBES2, 2048)', kdf: 'pbes2' },
  { file: 'openssl3-legacy.p12', label: 'OpenSSL 3 -legacy (RC2-40 + 3DES, 2048)', kdf: 'pkcs12' },
  { file: 'keytool-jdk17.p12', label: 'keytool JDK 17 (PBES2, 10,000)', kdf: 'pbes2' },
  { file: 'nss-default.p12', label: 'NSS pk12util (PBES2, 600,000)', kdf: 'pbes2' },
] as const;

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Collects the other side's garbage before a timed phase (npm run bench passes --expose-gc). */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function time(fn: () => unknown, runs = RUNS): Promise<number> {
  gc();
  for (let i = 0; i < WARMUP; i++) await fn();
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
  forge.pkcs12.pkcs12FromAsn1(asn1, false, PW);
}

function opensslNative(file: string, runs: number): number {
  const run = (args: string[]): number => {
    const t = performance.now();
    const r = spawnSync('openssl', args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed on ${file}`);
    return performance.now() - t;
  };
  const args = ['pkcs12', '-legacy', '-in', file, '-passin', `pass:${PW}`, '-nodes', '-out', '/dev/null'];
  for (let i = 0; i < WARMUP; i++) run(args);
  const full: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(run(['version']));
    full.push(run(args));
  }
  return Math.max(median(full) - median(bare), 0.01);
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
const opensslVersion = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${opensslVersion}; node-forge 1.4.3`;

const rows: string[][] = [];
const verdicts: string[] = [];
for (const f of FILES) {
  const path = join(dir, f.file);
  const bytes = readFileSync(path);
  const slow = f.file.startsWith('nss');
  const runs = slow ? Math.max(5, Math.floor(RUNS / 3)) : RUNS;
  const ours = await time(() => readPkcs12(bytes, { password: PW }), runs);
  const theirs = await time(() => forgeRead(bytes), slow ? 3 : runs);
  const native = opensslNative(path, runs);
  const vsForge = theirs / ours;
  const vsOpenssl = ours / native;
  const limit = f.kdf === 'pbes2' ? 1.5 : 2;
  rows.push([f.label, fmt(ours), fmt(theirs), fmt(native), `${vsForge.toFixed(1)}x`, `${vsOpenssl.toFixed(2)}x`]);
  verdicts.push(
    `- ${f.label}: ${vsForge >= 10 ? 'meets' : 'misses'} 10x node-forge (${vsForge.toFixed(1)}x); ` +
      `${vsOpenssl <= limit ? 'within' : 'outside'} ${limit}x of openssl (${vsOpenssl.toFixed(2)}x)`,
  );
}

const head = ['file', 'pfxkit ms', 'forge ms', 'openssl ms', 'forge / pfxkit', 'pfxkit / openssl'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const table = [line(head), ...rows.map(line)].join('\n');
console.log(machine);
console.log(`${RUNS} timed runs after ${WARMUP} warm-ups (NSS: fewer), medians\n`);
console.log(table);
console.log(`\n${verdicts.join('\n')}`);

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

Targets (issue 6): at least 10x node-forge on every file; within 1.5x of openssl on PBES2 files
and 2x on PKCS#12-KDF files.

${verdicts.join('\n')}
`;
writeFileSync(join(root, 'bench', 'RESULTS.md'), md);
