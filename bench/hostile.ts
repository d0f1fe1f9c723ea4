/**
 * node dist/bench/hostile.js: the worst files within the default limits, and many reads at once.
 * For each hostile file: CPU time (user + system, thread pool included), wall time, the largest
 * event-loop gap while it was read, and the process's peak RSS; then 1,000 concurrent ordinary
 * reads with the largest event-loop gap. Each case runs in a process of its own. Figures are
 * this machine's; nothing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readPkcs12, type Pkcs12Bundle } from 'pfxkit';
import { certSafe, macData, pbeSafe, pbes2Safe, pfx } from './hostile-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = (name: string): Buffer => readFileSync(join(root, 'test', 'fixtures', 'p12', name));

async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let outcome = 'ok';
  try {
    await run();
  } catch (err) {
    outcome = (err as { code?: string }).code ?? String(err);
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(cpu);
  h.disable();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${label.padEnd(62)} ${outcome.padEnd(16)} cpu ${((c.user + c.system) / 1e6).toFixed(2)} s  wall ${(wall / 1e3).toFixed(2)} s  max gap ${(h.max / 1e6).toFixed(0)} ms  peak rss ${rss.toFixed(0)} MB`,
  );
}

const certDer = ((await readPkcs12(fixture('openssl3-certs-only.p12'), { password: 'Str0ng-pass!' })) as Pkcs12Bundle & { certificateDer: Uint8Array[] }).certificateDer[0]!;

const legacy = fixture('openssl3-legacy.p12');
const openssl = fixture('openssl3-default.p12');
/** A case builds its file first (not measured), then gives the read to measure. */
type Case = [string, () => () => Promise<unknown>];
const file = (make: () => Uint8Array) => () => {
  const bytes = make();
  return () => readPkcs12(bytes);
};
const concurrent = (bytes: Buffer) => () => () => Promise.all(Array.from({ length: 1000 }, () => readPkcs12(bytes, { password: 'Str0ng-pass!' })));
const copies = (n: number) => file(() => pfx([certSafe(certDer, n)]));
const CASES: Case[] = [
  ['4 PBES2 parts, PBKDF2-HMAC-SHA512 x 714,000 (5.998M units)', file(() => pfx([1, 2, 3, 4].map(() => pbes2Safe('sha512', 714_000))))],
  ['4 PBES2 parts, PBKDF2-HMAC-SHA512 x 10,000,000 (refused)', file(() => pfx([1, 2, 3, 4].map(() => pbes2Safe('sha512', 10_000_000))))],
  ['SHA-512 MAC x 2,500,000, no password: both candidates (6.0M)', file(() => pfx([pbeSafe(1)], macData('sha512', 2_500_000)))],
  ['SHA-512 MAC x 10,000,000, no password (refused)', file(() => pfx([pbeSafe(1)], macData('sha512', 10_000_000)))],
  ['SHA-512/224 MAC x 447,000 (node:crypto steps), both (5.99M)', file(() => pfx([pbeSafe(1)], macData('sha512-224', 447_000)))],
  ['SHA-1 MAC x 10,000,000, no password: both candidates (6.0M)', file(() => pfx([pbeSafe(1)], macData('sha1', 10_000_000)))],
  ['3DES PBE parts x 6 at 900,000 (no MAC)', file(() => pfx([1, 2, 3, 4, 5, 6].map(() => pbeSafe(900_000))))],
  ['4,000 copies of one certificate (3.5 MB, no MAC)', copies(4000)],
  ['8,000 copies of one certificate (6.9 MB, no MAC)', copies(8000)],
  ['16,000 copies of one certificate (13.9 MB, no MAC)', copies(16000)],
  ['1,000 concurrent reads of openssl3-default.p12', concurrent(openssl)],
  ['1,000 concurrent reads of openssl3-legacy.p12', concurrent(legacy)],
];

// Each case in a process of its own, so that peak RSS and the heap are its own.
const only = process.argv[2];
if (only !== undefined) {
  const [label, make] = CASES[Number(only)]!;
  await measure(label, make());
} else {
  console.log(`node ${process.version}; default work budget 6,000,000 units`);
  for (let i = 0; i < CASES.length; i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(i)], { encoding: 'utf8' });
    process.stdout.write(r.stdout + r.stderr);
  }
}
