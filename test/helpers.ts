import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixtures = join(root, 'test', 'fixtures');
/** Copied from ../shared/interop/go-pkcs12 (BSD licence, see its LICENSE) so the tests run without ../shared. */
export const interop = join(fixtures, 'interop');
/** The built CLI as the package installs it (package.json `bin`: the esbuild bundle of src/cli/main.ts). */
export const cli = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { pfxkit: string } }).bin.pfxkit);

export interface Row {
  name: string;
  file: string;
  producer: string;
  /** undefined for `<none>` (no password given at all). */
  password: string | undefined;
  parse: string;
  leaf: { thumbprint: string; notBefore: number; notAfter: number } | null;
  certs: number | null;
  keys: number | null;
  thumbprints: string[] | null;
}

function parseTsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

function toRow(r: Record<string, string>): Omit<Row, 'file'> & { file: string } {
  const leaf = r.leaf && r.leaf !== '-' ? r.leaf.split(',') : null;
  const num = (s: string | undefined): number | null => (s === undefined || s === '-' ? null : Number(s));
  return {
    name: r.name!,
    file: r.file!,
    producer: r.producer ?? 'go-pkcs12 interop',
    password: r.password === '<none>' ? undefined : (r.password ?? ''),
    parse: r.parse!,
    leaf: leaf ? { thumbprint: leaf[0]!, notBefore: Number(leaf[1]), notAfter: Number(leaf[2]) } : null,
    certs: num(r.certs),
    keys: num(r.keys),
    thumbprints: r.thumbprints && r.thumbprints !== '-' ? r.thumbprints.split(',') : null,
  };
}

/** The committed corpus (test/fixtures/manifest.tsv), paths resolved. */
export function manifest(): Row[] {
  return parseTsv(join(fixtures, 'manifest.tsv')).map((r) => {
    const row = toRow(r);
    return { ...row, file: join(fixtures, 'p12', row.file) };
  });
}

/** ../shared/interop/go-pkcs12/cases.tsv, paths resolved. */
export function interopCases(): Row[] {
  return parseTsv(join(interop, 'cases.tsv')).map((r) => {
    const row = toRow(r);
    return { ...row, file: join(interop, row.file) };
  });
}

/** Counts the event-loop turns (check phases) that pass while `run` is under way. */
export async function turnsDuring<T>(run: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let on = true;
  const tick = (): void => {
    turns++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await run();
  on = false;
  return { result, turns };
}
