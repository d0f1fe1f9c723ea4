/**
 * The package as users get it: `npm pack` on a copy of the sources (a fresh clone's files, with
 * this checkout's node_modules as `npm ci` leaves them), installed into a new ESM project and a new
 * CommonJS project with npm itself, offline.
 *
 * Offline install: npm's cache (filled by `npm ci`) holds tarballs, not the registry's metadata,
 * so `npm install <tarball>` cannot resolve version ranges without the network. Each consumer
 * project therefore gets a package-lock.json that pins pfxkit's runtime dependencies to exactly
 * what this checkout's package-lock.json resolved (the tarball itself as `file:`), and installs
 * with `npm ci --offline`: a real install of the real tarball, served from the cache.
 *
 * One pack and two installs for the file: 25-35 s alone on 2 shared cores, up to about a minute
 * beside the rest of the suite.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, root } from './helpers.js';

const run = promisify(execFile);
const SETUP_TIMEOUT = 240_000;
const FIXTURE = join(fixtures, 'p12', 'openssl3-default.p12');
const PASSWORD = 'Str0ng-pass!';
const THUMBPRINT = '5F9B9FF8B74B9E735D617183793B6473A9B17031';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};

let work = '';
let tarball = '';
let esm = '';
let cjs = '';
let files: string[] = [];

/** A consumer project whose lockfile pins pfxkit's dependencies as this checkout resolved them. */
function consumer(name: string, type: 'module' | 'commonjs'): string {
  const dir = join(work, name);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name, version: '1.0.0', dependencies: { pfxkit: spec } },
    'node_modules/pfxkit': { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  const mk = (file: string, body: unknown): void => writeFileSync(join(dir, file), `${JSON.stringify(body, null, 2)}\n`);
  mkdirSync(dir);
  mk('package.json', { name, version: '1.0.0', private: true, type, dependencies: { pfxkit: spec } });
  mk('package-lock.json', { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages });
  return dir;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pfxkit-package-'));
  // A fresh clone's files (what git tracks for the build), beside node_modules as `npm ci` makes it.
  const clone = join(work, 'clone');
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'src', 'scripts']) {
    cpSync(join(root, f), join(clone, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: clone, maxBuffer: 16 << 20 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  files = info!.files.map((f) => f.path);
  esm = consumer('esm', 'module');
  cjs = consumer('cjs', 'commonjs');
  await Promise.all([esm, cjs].map((cwd) => run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd, maxBuffer: 16 << 20 })));
}, SETUP_TIMEOUT);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const node = (cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> => run(process.execPath, args, { cwd, env: { ...process.env, ...env } });

describe('npm pack on a fresh clone', () => {
  it('builds first and ships the bundled code, the types and LICENSE; no sources, maps, tests, benches or examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/bundle/index.js', 'dist/bundle/reader.js', 'dist/bundle/cli.cjs', 'dist/src/index.d.ts', 'dist/src/entry/reader.d.ts']),
    );
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/bundle\/.*\.c?js$|dist\/src\/.*\.d\.ts$|LICENSE$|README\.md$|CHANGELOG\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License[\s\S]*pfxkit contributors/);
  });
});

describe('installed into a new project (npm ci --offline)', { timeout: 120_000 }, () => {
  it('ESM: import("pfxkit") reads a bundle', async () => {
    const script = `import { readPkcs12, PfxkitError } from 'pfxkit';
import { readFileSync } from 'node:fs';
const b = await readPkcs12(readFileSync(${JSON.stringify(FIXTURE)}), { password: ${JSON.stringify(PASSWORD)} });
const err = await readPkcs12(new Uint8Array([1, 2, 3])).catch((e) => e);
console.log(JSON.stringify({ leaf: b.leaf, typed: err instanceof PfxkitError, code: err.code }));`;
    writeFileSync(join(esm, 'read.mjs'), script);
    const { stdout } = await node(esm, ['read.mjs']);
    expect(JSON.parse(stdout)).toEqual({ leaf: THUMBPRINT, typed: true, code: 'MALFORMED' });
  });

  it('CommonJS: require("pfxkit") and require("pfxkit/reader") work', async () => {
    const script = `const { readPkcs12, validateBundle } = require('pfxkit');
const reader = require('pfxkit/reader');
const { readFileSync } = require('node:fs');
readPkcs12(readFileSync(${JSON.stringify(FIXTURE)}), { password: ${JSON.stringify(PASSWORD)} }).then((b) => {
  // One copy of each module whichever entries are used: the same functions and classes.
  const same = reader.readPkcs12 === readPkcs12 && require('pfxkit/graph').rotate === require('pfxkit').rotate && require('pfxkit/writer').writePkcs12 === require('pfxkit').writePkcs12;
  console.log(JSON.stringify({ leaf: b.leaf, findings: Array.isArray(validateBundle(b, { now: new Date(0) }).findings), same }));
});`;
    writeFileSync(join(cjs, 'read.js'), script);
    const { stdout, stderr } = await node(cjs, ['read.js']);
    expect(JSON.parse(stdout)).toEqual({ leaf: THUMBPRINT, findings: true, same: true });
    expect(stderr).not.toMatch(/ExperimentalWarning/);
  });

  it('the installed bin runs: node_modules/.bin/pfxkit --version, and inspect', async () => {
    const bin = join(esm, 'node_modules', '.bin', 'pfxkit');
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const version = await run(bin, ['--version'], { cwd: esm });
    expect(version.stdout.trim()).toBe(pkg.version);
    const inspect = await run(bin, ['inspect', FIXTURE, '--json'], { cwd: esm, env: { ...process.env, PFXKIT_PASSWORD: PASSWORD } });
    expect((JSON.parse(inspect.stdout) as { leaf: string }).leaf).toBe(THUMBPRINT);
  });

  it('what loads: pfxkit/reader no Graph, minting, writing or emulator code; pfxkit no @peculiar/x509, @azure/identity or node:http; the CLI only the command run', async () => {
    // Node's module hooks (module.register) see every ES module resolved, in the hooks thread; the
    // CLI is CommonJS, whose files a preload reads from require.cache at exit, with the built-in
    // modules the process loaded.
    writeFileSync(
      join(esm, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, r.url + '\\n');
  return r;
}`,
    );
    writeFileSync(join(esm, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    writeFileSync(
      join(esm, 'required.cjs'),
      `const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
process.on('exit', () => {
  const files = Object.keys(require.cache).map((f) => pathToFileURL(f).href);
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => 'node:' + m.slice('NativeModule '.length));
  appendFileSync(process.env.LOADED_LOG, [...files, ...builtins].join('\\n') + '\\n');
});`,
    );
    /**
     * What a run loads: the packages and built-in modules, and for pfxkit's bundle files the
     * source modules they hold (esbuild heads each with a `// src/...` comment).
     */
    const loaded = async (args: string[], env: Record<string, string> = {}): Promise<string[]> => {
      const log = join(esm, `loaded-${args.join('_').replace(/\W/g, '_')}.log`);
      writeFileSync(log, '');
      await node(esm, ['--import', './register.mjs', '--require', './required.cjs', ...args], { ...env, LOADED_LOG: log });
      const urls = new Set(readFileSync(log, 'utf8').trim().split('\n'));
      const out = new Set<string>();
      for (const url of urls) {
        if (!url.includes('/node_modules/pfxkit/dist/bundle/')) out.add(url.replace(/^file:\/\/.*\/node_modules\//, ''));
        else for (const m of readFileSync(new URL(url), 'utf8').matchAll(/^\/\/ (src\/\S+)$/gm)) out.add(m[1]!);
      }
      return [...out];
    };
    const importing = (entry: string): Promise<string[]> => loaded(['--input-type=module', '-e', `await import(${JSON.stringify(entry)});`]);
    const reader = await importing('pfxkit/reader');
    expect(reader).toContain('src/pkcs12/read.ts');
    expect(reader.filter((u) => /\/(graph|emulator|report|cli)\/|\/cert\/mint|\/pkcs12\/(write|convert)|node:http|@azure|@peculiar|asn1js/.test(u))).toEqual([]);
    const all = await importing('pfxkit');
    expect(all).toContain('src/graph/rotate.ts');
    expect(all.filter((u) => /node:http$|node:tls$|@azure|@peculiar|asn1js|reflect-metadata|\/cert\/x509\.ts|\/emulator\//.test(u))).toEqual([]);
    // The CLI: --version loads no command; inspect loads its own and the reader only.
    const cli = join('node_modules', 'pfxkit', pkg.bin.pfxkit!);
    const version = await loaded([cli, '--version']);
    expect(version.filter((u) => u.startsWith('src/')).sort()).toEqual(['src/cli/io.ts', 'src/cli/main.ts', 'src/errors.ts']);
    const inspect = await loaded([cli, 'inspect', FIXTURE, '--json'], { PFXKIT_PASSWORD: PASSWORD });
    expect(inspect).toContain('src/cli/inspect.ts');
    expect(inspect).toContain('src/pkcs12/read.ts');
    expect(
      inspect.filter((u) => /\/(graph|emulator|report)\/|\/cli\/(validate|convert|new|rotate|report|emulator|probe)\.ts|\/cert\/mint|\/pkcs12\/(write|convert)|node:http|@azure|@peculiar/.test(u)),
    ).toEqual([]);
  });

  it('the public types type-check in a strict consumer (skipLibCheck: false), with no dependency types', async () => {
    writeFileSync(
      join(esm, 'consumer.ts'),
      `import { readPkcs12, validateBundle, parseSubject, credentialToken, type Pkcs12Bundle, type ValidationResult, type SubjectName, type TokenCredential, type RotateReport, type Report } from 'pfxkit';
import { readPkcs12 as readOnly, type CertificateInfo } from 'pfxkit/reader';
import { writePkcs12 } from 'pfxkit/writer';
import { GraphHttp } from 'pfxkit/graph';
import { formatReport } from 'pfxkit/report';
import { GraphEmulator, rulesFromProbe } from 'pfxkit/emulator';
export async function check(bytes: Uint8Array, credential: TokenCredential): Promise<[ValidationResult, SubjectName, CertificateInfo[], number]> {
  const bundle: Pkcs12Bundle = await readPkcs12(bytes, { password: 'p' });
  const again = await readOnly(bytes);
  const der: Uint8Array = await writePkcs12(bundle, { password: 'p', profile: 'compat' });
  void credentialToken(credential, 'scope');
  const used = [GraphHttp, GraphEmulator, formatReport, rulesFromProbe];
  void used;
  const r: RotateReport | Report | null = null;
  void r;
  return [validateBundle(bundle, { now: new Date() }), parseSubject('CN=x'), again.certificates, der.length];
}
`,
    );
    writeFileSync(
      join(esm, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout } = await node(esm, [tsc, '-p', 'tsconfig.json', '--listFilesOnly']);
    const listed = stdout.trim().split('\n');
    expect(listed.some((f) => f.includes('/node_modules/pfxkit/dist/src/index.d.ts'))).toBe(true);
    expect(listed.filter((f) => /node_modules\/(@azure|@peculiar|asn1js|reflect-metadata)/.test(f))).toEqual([]);
    const checked = await node(esm, [tsc, '-p', 'tsconfig.json']).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(checked).toBe('');
  });

  it('the subpaths resolve for a consumer on the older node10 resolution too (typesVersions)', async () => {
    writeFileSync(join(esm, 'legacy.ts'), `import { readPkcs12 } from 'pfxkit';\nimport { readPkcs12 as readOnly } from 'pfxkit/reader';\nexport const same: boolean = readPkcs12 === readOnly;\n`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const options = ['--noEmit', '--strict', '--module', 'commonjs', '--moduleResolution', 'node10', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'legacy.ts'];
    const checked = await node(esm, [tsc, ...options]).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(checked).toBe('');
  });
});
