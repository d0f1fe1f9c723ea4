// The code the package runs: the library's entries and the CLI, bundled from src/ by esbuild into
// dist/bundle/. Run by `npm run build` and `npm pack` after tsc, which still emits the types
// (dist/src/**/*.d.ts).
//
// Why: Node resolves, reads and compiles each ES module on its own, about half a millisecond a
// file before any of its code runs. The reader alone was 25 modules and the whole library 69,
// in a run whose own start is 50-80 ms. So each run loads a few files:
//
//   dist/bundle/lib/LAYER.js    the library in layers: errors, reader, writer, graph, report,
//                               keyvault, emulator. A source module belongs to the first layer
//                               (in that order) whose entry (src/errors.ts, src/entry/LAYER.ts)
//                               reaches it; a layer imports the earlier layers it uses. One
//                               copy of each module: one PfxkitError class, one readPkcs12.
//   dist/bundle/lib/x509.js     @peculiar/x509, imported only when a certificate is minted.
//   dist/bundle/ENTRY.js        each public entry (index, reader, ...): its names, re-exported
//                               from the layers. `pfxkit/reader` loads 3 files, `pfxkit` 9.
//   dist/bundle/cli.js          the CLI's dispatch (src/cli/main.ts), and in dist/bundle/cli/
//   dist/bundle/cli/COMMAND.js  each command whole, imported when it runs: `--version` loads 2
//                               files (with lib/errors.js), `inspect FILE` 3. A process runs
//                               one command, so commands hold their own copies of the library
//                               code they use, all but errors.ts: PfxkitError is one class.
//
// What a module imports lazily (`await import(...)`) stays a file of its own, loaded on first
// use: a library module's layer, or (for the CLI's own modules) dist/bundle/cli/NAME.js.
// Dependencies stay in node_modules. The output is not
// minified (stack traces stay readable) and each module keeps esbuild's `// src/...` heading,
// from which the package test tells what each file holds.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');
const LAYERS = ['errors', 'reader', 'writer', 'graph', 'report', 'keyvault', 'emulator'];
const ENTRIES = ['index', ...LAYERS.slice(1)];
const X509 = 'src/cert/x509.ts';
const ERRORS = 'src/errors.ts';

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};
const entryFile = (name) => (name === 'index' ? 'src/index.ts' : name === 'errors' ? ERRORS : `src/entry/${name}.ts`);

// ---- the module graph ----
const scratch = mkdtempSync(join(tmpdir(), 'pfxkit-bundle-'));
const { metafile } = await build({ ...common, entryPoints: [...ENTRIES.map(entryFile), 'src/cli/main.ts'], splitting: true, outdir: scratch, write: false, metafile: true });
rmSync(scratch, { recursive: true, force: true });
const imports = (path, kind) => metafile.inputs[path].imports.filter((i) => !i.external && i.kind === kind).map((i) => i.path);
/** The modules `start` reaches by static imports, itself included. */
function closure(start) {
  const seen = new Set([start]);
  for (const m of seen) for (const next of imports(m, 'import-statement')) seen.add(next);
  return seen;
}

// ---- the library ----
/** Source module -> its layer. */
const owner = new Map();
for (const layer of LAYERS) {
  for (const m of closure(entryFile(layer))) if (!m.startsWith('src/entry/') && m !== X509 && !owner.has(m)) owner.set(m, layer);
}
for (const m of owner.keys()) {
  for (const lazy of imports(m, 'dynamic-import')) {
    if (lazy !== X509 && !owner.has(lazy)) throw new Error(`${m} imports ${lazy} lazily, and no layer holds it: give it an entry`);
  }
}

/**
 * Imports of a module held elsewhere become imports of that file: `homeOf(path, kind)` names the
 * output file that holds the source module `path` (relative to the root) for an import of that
 * kind (esbuild's: 'import-statement', 'dynamic-import'), or undefined to bundle it here. `from`
 * is the folder of the file being built.
 */
function elsewhere(from, homeOf) {
  return {
    name: 'elsewhere',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
        const home = r.errors.length ? undefined : homeOf(relative(root, r.path), args.kind);
        const path = relative(from, home ?? '');
        return home ? { path: path.startsWith('..') ? path : `./${path}`, external: true } : undefined;
      });
    },
  };
}
const lib = join(out, 'lib');
const layerFile = (layer) => join(lib, `${layer}.js`);

rmSync(out, { recursive: true, force: true });
const built = [];
async function bundle(options) {
  const r = await build({ ...common, metafile: true, ...options });
  built.push(options.outfile);
  return r.metafile;
}

await bundle({ entryPoints: [X509], outfile: join(lib, 'x509.js') });
for (const layer of LAYERS) {
  const mine = [...owner].filter(([, l]) => l === layer).map(([m]) => m);
  const outfile = layerFile(layer);
  const meta = await bundle({
    stdin: { contents: mine.map((m) => `export * from './${m}';`).join('\n'), resolveDir: root, loader: 'ts', sourcefile: `layer-${layer}.ts` },
    outfile,
    plugins: [elsewhere(lib, (m) => (m === X509 ? join(lib, 'x509.js') : owner.has(m) && owner.get(m) !== layer ? layerFile(owner.get(m)) : undefined))],
  });
  await sameNamesOnce(mine, meta.outputs[relative(root, outfile)].exports, layer);
}
for (const name of ENTRIES) {
  await bundle({ entryPoints: [entryFile(name)], outfile: join(out, `${name}.js`), plugins: [elsewhere(out, (m) => (owner.has(m) ? layerFile(owner.get(m)) : undefined))] });
}

/**
 * A layer is `export * from` each of its modules: a name two of them export would be dropped
 * (ambiguous), unless it is one binding re-exported. Fails the build on such a name.
 */
async function sameNamesOnce(modules, exported, layer) {
  const dir = mkdtempSync(join(tmpdir(), 'pfxkit-names-'));
  const { metafile: each } = await build({ ...common, bundle: false, entryPoints: modules, outdir: dir, outbase: root, write: false, metafile: true });
  rmSync(dir, { recursive: true, force: true });
  const seen = new Map();
  for (const o of Object.values(each.outputs)) {
    for (const name of o.exports) {
      if (seen.has(name) && !exported.includes(name)) throw new Error(`layer ${layer}: ${seen.get(name)} and ${o.entryPoint} both export "${name}"`);
      seen.set(name, o.entryPoint);
    }
  }
}

// ---- the CLI ----
const cli = join(out, 'cli');
const commands = imports('src/cli/main.ts', 'dynamic-import');
const cliFile = (m) => join(cli, `${m.split('/').pop().replace(/\.ts$/, '')}.js`);
/** Lazily imported modules of the CLI's own (src/cli/keyvault.ts): a file each, as commands are. */
const cliLazy = new Set();
/** Where a command's import goes: errors and x509 to the library's files, lazy imports to their own file; the rest is bundled. */
function cliHome(m, kind) {
  if (m === X509 || owner.get(m) === 'errors') return layerFile(m === X509 ? 'x509' : 'errors');
  if (kind !== 'dynamic-import') return undefined;
  if (owner.has(m)) return layerFile(owner.get(m));
  cliLazy.add(m);
  return cliFile(m);
}
for (const command of commands) await bundle({ entryPoints: [command], outfile: cliFile(command), plugins: [elsewhere(cli, cliHome)] });
for (const m of cliLazy) {
  if (commands.includes(m)) throw new Error(`${m} is a command and imported lazily by another`);
  await bundle({ entryPoints: [m], outfile: cliFile(m), plugins: [elsewhere(cli, cliHome)] });
}
await bundle({
  entryPoints: ['src/cli/main.ts'],
  outfile: join(out, 'cli.js'),
  plugins: [elsewhere(out, (m, kind) => cliHome(m, 'import-statement') ?? (commands.includes(m) && kind === 'dynamic-import' ? cliFile(m) : undefined))],
});
chmodSync(join(out, 'cli.js'), 0o755);

// Every file links: each import it names is exported where it points.
const check = spawnSync(process.execPath, ['--input-type=module', '-e', built.map((f) => `await import(${JSON.stringify(`file://${f}`)});`).join('\n')], { encoding: 'utf8', cwd: dirname(out) });
if (check.status !== 0) throw new Error(`a bundled file does not load:\n${check.stderr}`);
