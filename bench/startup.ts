/**
 * npm run bench:startup: whole-process start-up against Node's own (`node -e ''`), interleaved.
 *
 * Each round runs the bare start and every case once, in a fresh order, as separate processes
 * (spawnSync, wall clock from spawn to exit). The figures are medians over the rounds; the ratio
 * is a case's median over the bare start's median. Goal (issue 11): `--version`, `inspect` and
 * `import('pfxkit')` + one read each at most 1.5x (`pfxkit/reader` + one read is shown beside them).
 *
 *   npm run bench:startup                       20 rounds
 *   STARTUP_ROUNDS=40 npm run bench:startup     more rounds
 *
 * The cases use what a user runs: the built CLI (`dist/bundle/cli.cjs`, the installed bin)
 * and the package's own name (`import('pfxkit')`, resolved through package.json `exports`).
 * Prints a Markdown table; exits 0 whether or not the goal is met (the figures move with load).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: { pfxkit: string }; exports: Record<string, unknown> };
const cli = join(root, pkg.bin.pfxkit);
const fixture = join(root, 'test', 'fixtures', 'p12', 'openssl3-default.p12');
const PASSWORD = 'Str0ng-pass!';
const ROUNDS = Number(process.env.STARTUP_ROUNDS ?? 20);
const node = process.execPath;

interface Case {
  label: string;
  args: string[];
  env?: Record<string, string>;
}

const readScript = (entry: string): string => `const { readPkcs12 } = await import('${entry}');
const b = await readPkcs12(await (await import('node:fs/promises')).readFile(${JSON.stringify(fixture)}), { password: ${JSON.stringify(PASSWORD)} });
if (b.certificates.length !== 1) process.exit(3);`;

const BASELINE: Case = { label: "node -e ''", args: ['-e', ''] };
const CASES: Case[] = [
  { label: 'pfxkit --version', args: [cli, '--version'] },
  { label: 'pfxkit inspect FILE --json', args: [cli, 'inspect', fixture, '--json'], env: { PFXKIT_PASSWORD: PASSWORD } },
  { label: "import('pfxkit') + one readPkcs12", args: ['--input-type=module', '-e', readScript('pfxkit')] },
];
// The lean entry, where this build has it (the figures before issue 11 had only `pfxkit`).
if (pkg.exports['./reader']) {
  CASES.push({ label: "import('pfxkit/reader') + one readPkcs12", args: ['--input-type=module', '-e', readScript('pfxkit/reader')] });
}

function run(c: Case): number {
  const t = performance.now();
  const r = spawnSync(node, c.args, { cwd: root, env: { ...process.env, ...c.env }, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function shuffled<T>(xs: readonly T[]): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const all = [BASELINE, ...CASES];
const times = new Map<Case, number[]>(all.map((c) => [c, []]));
for (const c of all) run(c); // warm the file cache once, untimed
for (let round = 0; round < ROUNDS; round++) {
  for (const c of shuffled(all)) times.get(c)!.push(run(c));
}

const base = median(times.get(BASELINE)!);
console.log(`pfxkit ${pkg.version} start-up, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
console.log(`${ROUNDS} interleaved rounds; medians of whole processes (spawn to exit)\n`);
console.log(`| case | ms | ratio to node -e '' |`);
console.log(`|---|---|---|`);
let worst = 0;
for (const c of all) {
  const m = median(times.get(c)!);
  const ratio = m / base;
  if (CASES.indexOf(c) >= 0 && CASES.indexOf(c) < 3) worst = Math.max(worst, ratio);
  console.log(`| ${c.label} | ${m.toFixed(1)} | ${ratio.toFixed(2)}x |`);
}
console.log(`\ngoal (issue 11): the first three cases at most 1.5x node -e ''; worst ${worst.toFixed(2)}x: ${worst <= 1.5 ? 'met' : 'not met'}`);
