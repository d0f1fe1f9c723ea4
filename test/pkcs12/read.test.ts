import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PfxkitError, readPkcs12 } from '../../src/index.js';
import { interop, interopCases, manifest, root, type Row } from '../helpers.js';

const CONTRACT_CODES = ['MALFORMED', 'BAD_PASSWORD', 'UNSUPPORTED_ALGORITHM', 'ITERATIONS_LIMIT'];

async function check(row: Row): Promise<void> {
  const data = readFileSync(row.file);
  if (row.parse === 'ok') {
    const b = await readPkcs12(data, { password: row.password });
    if (row.certs !== null) expect(b.certificates).toHaveLength(row.certs);
    if (row.keys !== null) expect(b.privateKeys).toBe(row.keys);
    if (row.leaf) {
      expect(b.leaf).toBe(row.leaf.thumbprint);
      const leaf = b.certificates[0]!;
      expect(leaf.thumbprint).toBe(row.leaf.thumbprint);
      expect([leaf.notBefore, leaf.notAfter]).toEqual([row.leaf.notBefore, row.leaf.notAfter]);
      expect(leaf.hasPrivateKey).toBe(true);
    } else {
      expect(b.leaf).toBeNull();
    }
    if (row.thumbprints) expect(b.certificates.map((c) => c.thumbprint).sort()).toEqual(row.thumbprints);
    return;
  }
  const err = await readPkcs12(data, { password: row.password }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PfxkitError);
  const code = (err as PfxkitError).code;
  if (row.parse === 'error') expect(CONTRACT_CODES).toContain(code);
  else expect(code).toBe(row.parse);
}

describe('readPkcs12 over the fixture corpus (what openssl says)', () => {
  it.each(manifest().map((r) => [`${r.name} (${r.producer})`, r] as const))('%s', async (_n, row) => {
    await check(row);
  });
});

describe('readPkcs12 over ../shared/interop', () => {
  it.each(interopCases().map((r) => [r.name, r] as const))('%s', async (_n, row) => {
    await check(row);
  });
});

describe('the interop copy', () => {
  const shared = join(root, '..', 'shared', 'interop', 'go-pkcs12');
  it.skipIf(!existsSync(shared))('matches ../shared/interop/go-pkcs12 byte for byte', () => {
    for (const f of readdirSync(shared)) expect(readFileSync(join(interop, f)).equals(readFileSync(join(shared, f))), f).toBe(true);
  });
});
