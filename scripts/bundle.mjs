// The code the package runs: the library's entries and the CLI, bundled from src/ by esbuild into
// dist/bundle/. Run by `npm run build` and `npm pack` after tsc, which still emits the types
// (dist/src/**/*.d.ts).
//
// Why: Node loads each ES module on its own (resolve, an asynchronous read, compile, link), and
// each file costs a run about a millisecond of its start. The reader alone was 25 modules and the
// whole library 69, in a run whose own start is 50-80 ms. So each run loads two or three files:
//
//   dist/bundle/lib/reader.js   the reader: every module src/entry/reader.ts reaches (errors
//                               included), exporting all of their names.
//   dist/bundle/reader.js       `pfxkit/reader`: its public names, from lib/reader.js. 2 files.
//   dist/bundle/index.js        `pfxkit`: the rest of the library (writer, Graph, report, Key
//                               Vault), importing the reader from lib/reader.js. 2 files.
//   dist/bundle/ENTRY.js        `pfxkit/writer`, `/graph`, `/report`, `/keyvault`: their names,
//                               from index.js. 3 files.
//   dist/bundle/emulator.js     `pfxkit/emulator`, the local stand-ins: their code, the reader
//                               from lib/reader.js (not in `pfxkit`, which they would slow).
//   dist/bundle/lib/x509.js     @peculiar/x509, imported only when a certificate is minted.
//   dist/bundle/cli.cjs         the CLI's dispatch (src/cli/main.ts) and its errors: `--version`
//                               loads this file alone.
//   dist/bundle/cli/NAME.cjs    each command whole (`inspect FILE` loads 2 files), and each module
//                               a command imports lazily (Key Vault, @peculiar/x509).
//
// The CLI is CommonJS: Node reads a required file synchronously, where an ES module is read on
// its thread pool, and a CLI run skips the ES module loader altogether (`--version` 1.15x -> 1.05x
// Node's own start, `inspect` 1.49x -> 1.44x, interleaved, 100 rounds). Its lazy `import()`s
// become `require()`s.
//
// One copy of each module across `pfxkit` and its subpaths (one PfxkitError class, one readPkcs12,
// one pacer), whichever of them a program imports; `pfxkit/emulator` alone holds its own copy of
// the stateless PEM and PKCS#12 writing code it uses. The CLI is a program of its own: its files hold their own
// copies of the library's code, all taking PfxkitError from cli.cjs. Dependencies stay in
// node_modules. The output is not minified (stack traces stay readable); each module keeps
// esbuild's `// src/...` heading, from which the package test tells what each file holds.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');
const lib = join(out, 'lib');
const cli = join(out, 'cli');
const SUBPATHS = ['writer', 'graph', 'report', 'keyvault'];
const X509 = 'src/cert/x509.ts';
const ERRORS = 'src/errors.ts';
const MAIN = 'src/cli/main.ts';

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

// ---- the module graph ----
const scratch = mkdtempSync(join(tmpdir(), 'pfxkit-bundle-'));
const { metafile } = await build({ ...common, entryPoints: ['src/index.ts', MAIN], splitting: true, outdir: scratch, write: false, metafile: true });
rmSync(scratch, { recursive: true, force: true });
const imports = (path, kind) => metafile.inputs[path].imports.filter((i) => !i.external && i.kind === kind).map((i) => i.path);
/** The modules `start` reaches by static imports, itself included. */
function closure(start) {
  const seen = new Set([start]);
  for (const m of seen) for (const next of imports(m, 'import-statement')) seen.add(next);
  return seen;
}
const READER = new Set([...closure('src/entry/reader.ts')].filter((m) => !m.startsWith('src/entry/')));

/** A path in esbuild's form (and the metafile's): `/` between folders, on Windows too. */
const posix = (path) => path.split(sep).join('/');

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
        const home = r.errors.length ? undefined : homeOf(posix(relative(root, r.path)), args.kind);
        if (!home) return undefined;
        const path = posix(relative(from, home));
        return { path: path.startsWith('..') ? path : `./${path}`, external: true };
      });
    },
  };
}

rmSync(out, { recursive: true, force: true });
const built = [];
async function bundle(options) {
  await build({ ...common, ...options });
  built.push(options.outfile);
}

// ---- the library ----
const readerLayer = join(lib, 'reader.js');
const x509File = join(lib, 'x509.js');
const libHome = (m) => (READER.has(m) ? readerLayer : m === X509 ? x509File : undefined);
await bundle({ entryPoints: [X509], outfile: x509File });
const modules = [...READER];
await bundle({
  stdin: { contents: modules.map((m) => `export * from './${m}';`).join('\n'), resolveDir: root, loader: 'ts', sourcefile: 'reader-layer.ts' },
  outfile: readerLayer,
});
const readerNames = await exportsOf(modules);
await bundle({ entryPoints: ['src/index.ts'], outfile: join(out, 'index.js'), plugins: [elsewhere(out, libHome)] });
await bundle({ entryPoints: ['src/entry/reader.ts'], outfile: join(out, 'reader.js'), plugins: [elsewhere(out, libHome)] });
// The emulator is in `pfxkit/emulator` alone: its code, the reader from lib/reader.js.
await bundle({ entryPoints: ['src/entry/emulator.ts'], outfile: join(out, 'emulator.js'), plugins: [elsewhere(out, libHome)] });
// Every other subpath names part of what index.js exports.
const index = join(out, 'index.js');
for (const name of SUBPATHS) {
  const entry = `src/entry/${name}.ts`;
  await bundle({ entryPoints: [entry], outfile: join(out, `${name}.js`), plugins: [elsewhere(out, (m) => (m === entry ? undefined : (libHome(m) ?? index)))] });
}

/**
 * Every name the modules export. The reader layer is `export * from` each of them: a name two of
 * them export, unless one binding re-exported, is dropped from the layer (ambiguous), which the
 * check at the end finds.
 */
async function exportsOf(modules) {
  const dir = mkdtempSync(join(tmpdir(), 'pfxkit-names-'));
  const { metafile: each } = await build({ ...common, bundle: false, entryPoints: modules, outdir: dir, outbase: root, write: false, metafile: true });
  rmSync(dir, { recursive: true, force: true });
  return [...new Set(Object.values(each.outputs).flatMap((o) => o.exports))];
}

// ---- the CLI ----
/** CommonJS, with `import()` as `require()` (esbuild keeps `import()` where the target has it). */
const cjs = { format: 'cjs', supported: { 'dynamic-import': false } };
const main = join(out, 'cli.cjs');
const commands = imports(MAIN, 'dynamic-import');
/** Where a CLI module goes: src/cli/inspect.ts to cli/inspect.cjs, src/sources/keyvault.ts to cli/sources-keyvault.cjs. */
const cliNames = new Map();
function fileOf(m) {
  const name = m
    .replace(/^src\/(cli\/)?/, '')
    .replace(/\.ts$/, '')
    .replaceAll('/', '-');
  if ((cliNames.get(name) ?? m) !== m) throw new Error(`${cliNames.get(name)} and ${m} would both be cli/${name}.cjs`);
  cliNames.set(name, m);
  return join(cli, `${name}.cjs`);
}
/** What a CLI file imports lazily, each a file of its own (built below, as the commands are). */
const lazy = new Set(commands);
/** Errors from cli.cjs; what is imported lazily from its own file; the rest bundled. */
const cliHome = (m, kind) => (m === ERRORS ? main : kind === 'dynamic-import' ? (lazy.add(m), fileOf(m)) : undefined);
await bundle({
  ...cjs,
  // The dispatch, and the one PfxkitError class every CLI file throws. main.ts finds its own path
  // (and package.json) through import.meta.url: here, this file's.
  stdin: { contents: `export * from './${MAIN}';\nexport * from './${ERRORS}';`, resolveDir: root, loader: 'ts', sourcefile: 'cli.ts' },
  outfile: main,
  banner: { js: "#!/usr/bin/env node\n'use strict';\nconst __cliUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__cliUrl' },
  plugins: [elsewhere(out, (m, kind) => (m === ERRORS ? undefined : cliHome(m, kind)))],
});
for (const m of lazy) await bundle({ ...cjs, entryPoints: [m], outfile: fileOf(m), plugins: [elsewhere(cli, cliHome)] });
chmodSync(main, 0o755);

// ---- checks ----
// Every ES module links (each import it names is exported where it points), and the reader layer
// exports every name of its modules (none dropped as ambiguous).
const load = `${built
  .filter((f) => f.endsWith('.js'))
  .map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});`)
  .join('\n')}
const layer = await import(${JSON.stringify(pathToFileURL(readerLayer).href)});
const missing = ${JSON.stringify(readerNames)}.filter((n) => !(n in layer));
if (missing.length) throw new Error('the reader layer lacks ' + missing.join(', ') + ': two of its modules export each');`;
const check = spawnSync(process.execPath, ['--input-type=module', '-e', load], { encoding: 'utf8', cwd: dirname(out) });
if (check.status !== 0) throw new Error(`a bundled file does not load:\n${check.stderr}`);
// The CommonJS files read names from cli.cjs at run time: each must be there.
const cliExports = Object.keys(createRequire(import.meta.url)(main));
for (const f of built.filter((f) => f.endsWith('.cjs') && f !== main)) {
  const code = readFileSync(f, 'utf8');
  for (const [, v] of code.matchAll(/var (\w+) = require\("\.\.\/cli\.cjs"\)/g)) {
    for (const [, name] of code.matchAll(new RegExp(`\\b${v}\\.(\\w+)`, 'g'))) if (!cliExports.includes(name)) throw new Error(`${f} reads ${name}, which cli.cjs does not export`);
  }
}
// One PfxkitError class in the library's files, and one in the CLI's.
const classes = (files) => files.filter((f) => /\bPfxkitError\d* = class\b|\bclass PfxkitError\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(out, f));
const inLibrary = classes(built.filter((f) => f.endsWith('.js')));
const inCli = classes(built.filter((f) => f.endsWith('.cjs')));
if (inLibrary.length !== 1 || inCli.length !== 1) throw new Error(`PfxkitError must be one class in the library and one in the CLI: ${[...inLibrary, ...inCli].join(', ')}`);
