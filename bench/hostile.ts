/**
 * node dist/bench/hostile.js: the worst files within the default limits, and many reads at once.
 * For each hostile file: CPU time (user + system, thread pool included), wall time, the largest
 * event-loop gap while it was read, and the process's peak RSS; then 1,000 concurrent ordinary
 * reads with the largest event-loop gap. Figures are this machine's; nothing is asserted.
 */
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

console.log(`node ${process.version}; default budget 10,000,000 units`);
await measure('4 PBES2 parts, PBKDF2-HMAC-SHA512 x 1,190,000 (9.996M units)', () => readPkcs12(pfx([1, 2, 3, 4].map(() => pbes2Safe('sha512', 1_190_000))), {}));
await measure('4 PBES2 parts, PBKDF2-HMAC-SHA512 x 10,000,000 (refused)', () => readPkcs12(pfx([1, 2, 3, 4].map(() => pbes2Safe('sha512', 10_000_000)))));
await measure('SHA-512 MAC x 4,160,000, no password: both candidates', () => readPkcs12(pfx([pbeSafe(1)], macData('sha512', 4_160_000))));
await measure('SHA-512 MAC x 10,000,000, no password (refused)', () => readPkcs12(pfx([pbeSafe(1)], macData('sha512', 10_000_000))));
await measure('SHA-512/224 MAC x 740,000 (node:crypto steps), both candidates', () => readPkcs12(pfx([pbeSafe(1)], macData('sha512-224', 740_000))));
await measure('SHA-1 MAC x 8,300,000, no password: both candidates', () => readPkcs12(pfx([pbeSafe(1)], macData('sha1', 8_300_000))));
await measure('3DES PBE parts x 6 at 900,000 (no MAC, two candidates each)', () => readPkcs12(pfx([1, 2, 3, 4, 5, 6].map(() => pbeSafe(900_000)))));
for (const copies of [4000, 8000, 16000]) {
  const file = pfx([certSafe(certDer, copies)]);
  await measure(`${copies} copies of one certificate (${(file.length / 1e6).toFixed(1)} MB, no MAC)`, () => readPkcs12(file));
}
for (const name of ['openssl3-default.p12', 'openssl3-legacy.p12']) {
  const file = fixture(name);
  await measure(`1,000 concurrent reads of ${name}`, () => Promise.all(Array.from({ length: 1000 }, () => readPkcs12(file, { password: 'Str0ng-pass!' }))));
}
