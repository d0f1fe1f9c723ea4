// The code the package runs: each public entry and the CLI bundled from src/ by esbuild into
// dist/bundle/, with code two entries share split into chunks (dist/bundle/chunks/). Run by
// `npm run build` and `npm pack` after tsc, which still emits the types (dist/src/**/*.d.ts).
//
// Why: Node resolves, reads and compiles each ES module separately. The reader alone is 25
// modules, the whole library 69, and loading them took 25-45 ms of a run whose own start is
// 60-80 ms. One file per entry (plus the chunks it shares) loads in about a third of that. A
// command's or a heavy feature's `import()` stays a separate chunk, loaded only when run, and
// the dependencies stay in node_modules (loaded as they are, and only where used).
//
// The output is not minified: stack traces stay readable, and each module keeps esbuild's
// `// src/...` comment, from which the package test tells what an entry contains.
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const outdir = new URL('dist/bundle/', root).pathname;

/** esbuild's options for both builds. */
const common = {
  absWorkingDir: root.pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(outdir, { recursive: true, force: true });
// The library: its entries share one copy of each module (one PfxkitError class, one readPkcs12).
await build({
  ...common,
  entryPoints: {
    index: 'src/index.ts',
    reader: 'src/entry/reader.ts',
    writer: 'src/entry/writer.ts',
    graph: 'src/entry/graph.ts',
    report: 'src/entry/report.ts',
    emulator: 'src/entry/emulator.ts',
    keyvault: 'src/entry/keyvault.ts',
  },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
});
// The CLI, built on its own: sharing chunks with the library's entries would cut both into more
// pieces (a chunk for every set of entries and commands that reach a module), and each extra file
// costs a run about half a millisecond. Its commands are split from it and load when run.
await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir, chunkNames: 'cli/[name]-[hash]' });
chmodSync(join(outdir, 'cli.js'), 0o755);
dropEmptyChunks(outdir);

/**
 * esbuild gives each entry that another entry re-exports (src/entry/reader.ts, which index.ts
 * re-exports) a chunk of its own, empty as those files hold only `export ... from`, and imports
 * it for its side effects. An empty module has none: the imports and the files go.
 */
function dropEmptyChunks(dir) {
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js'));
  const empty = new Set(files.filter((f) => statSync(join(dir, f)).size === 0).map((f) => f.split('/').pop()));
  for (const f of files) {
    const path = join(dir, f);
    if (empty.has(f.split('/').pop())) {
      rmSync(path);
      continue;
    }
    const code = readFileSync(path, 'utf8');
    const kept = code.replace(/^import "\.\/(?:[\w-]+\/)?([\w-]+\.js)";\n/gm, (line, name) => (empty.has(name) ? '' : line));
    if (kept !== code) writeFileSync(path, kept);
  }
}
