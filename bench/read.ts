/**
 * npm run bench: readPkcs12 in-process against node-forge in-process and the openssl CLI
 * (native time = its run minus a bare `openssl version` start) on the same fixture files.
 * Medians of a few runs, ratios from one run of this script; results go to stdout.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { readPkcs12 } from 'pfxkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'test', 'fixtures', 'p12');
const PW = 'Str0ng-pass!';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const FILES = [
  ['openssl3-default.p12', 'OpenSSL 3 default (PBES2, 2048)'],
  ['openssl3-legacy.p12', 'OpenSSL 3 -legacy (RC2-40 + 3DES, PKCS#12 KDF, 2048)'],
  ['keytool-jdk17.p12', 'keytool JDK 17 (PBES2, 10,000)'],
  ['nss-default.p12', 'NSS pk12util (PBES2, 600,000)'],
] as const;

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
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

function opensslMs(file: string): number {
  const args = ['pkcs12', '-legacy', '-in', file, '-passin', `pass:${PW}`, '-nodes', '-out', '/dev/null'];
  const run = (a: string[]): number => {
    const t = performance.now();
    const r = spawnSync('openssl', a, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`openssl ${a[0]} failed on ${file}`);
    return performance.now() - t;
  };
  const xs: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(run(['version']));
    xs.push(run(args));
  }
  return Math.max(median(xs) - median(base), 0.01);
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2)).padStart(8);
console.log(`node ${process.version}, ${RUNS} runs each, medians in ms`);
console.log(`${'file'.padEnd(52)} ${'pfxkit'.padStart(8)} ${'forge'.padStart(8)} ${'openssl'.padStart(8)}  forge/pfxkit  pfxkit/openssl`);
for (const [file, label] of FILES) {
  const path = join(dir, file);
  const bytes = readFileSync(path);
  const ours = await time(() => readPkcs12(bytes, { password: PW }));
  let theirs: number | null = null;
  try {
    theirs = await time(() => forgeRead(bytes));
  } catch {
    theirs = null; // forge cannot read this file
  }
  const native = opensslMs(path);
  console.log(
    `${label.padEnd(52)} ${fmt(ours)} ${theirs === null ? '     n/a' : fmt(theirs)} ${fmt(native)}  ` +
      `${theirs === null ? '         n/a' : `${(theirs / ours).toFixed(1)}x`.padStart(12)}  ${`${(ours / native).toFixed(2)}x`.padStart(14)}`,
  );
}
