// Mutated bundles: every read settles with a result or a contract code, never another exception.
// Deterministic (seeded) and bounded; the full fuzzing campaign is issue 6's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PfxkitError, readPkcs12 } from '../../src/index.js';
import { manifest } from '../helpers.js';

const CODES = new Set(['MALFORMED', 'BAD_PASSWORD', 'UNSUPPORTED_ALGORITHM', 'ITERATIONS_LIMIT']);

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = Uint8Array.from(src);
  const at = Math.floor(r() * b.length);
  switch (Math.floor(r() * 5)) {
    case 0: // bit flip
      b[at]! ^= 1 << Math.floor(r() * 8);
      return b;
    case 1: // truncation
      return b.subarray(0, at);
    case 2: {
      // insertion
      const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 256));
      return Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
    }
    case 3: {
      // damaged length byte: the byte after a SEQUENCE/OCTET STRING/INTEGER tag
      const tags = [];
      for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x30 || b[i] === 0x04 || b[i] === 0x02) tags.push(i + 1);
      const pos = tags[Math.floor(r() * tags.length)] ?? at;
      b[pos] = [0x00, 0x7f, 0x80, 0x81, 0x84, 0xff][Math.floor(r() * 6)]!;
      return b;
    }
    default: // a random byte
      b[at] = Math.floor(r() * 256);
      return b;
  }
}

const SOURCES = ['openssl3-default.p12', 'openssl3-legacy.p12', 'openssl3-noenc-nomac.p12', 'forge-3des.p12', 'keytool-prf-sha1-aes_128.p12'];

describe('mutated bundles give a result or a contract code', () => {
  const rows = manifest().filter((r) => SOURCES.includes(r.file.split('/').pop()!));
  it.each(rows.map((r) => [r.name, r] as const))('%s: 60 mutations', async (_n, row) => {
    const src = readFileSync(row.file);
    const r = rng(0x5eed + src.length);
    const seen: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const input = mutate(src, r);
      try {
        await readPkcs12(input, { password: row.password, maxIterations: 100_000 });
        seen.ok = (seen.ok ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof PfxkitError) || !CODES.has(err.code)) {
          throw new Error(`mutation ${i} of ${row.name} threw ${String(err)}\n${(err as Error).stack}`, { cause: err });
        }
        seen[err.code] = (seen[err.code] ?? 0) + 1;
      }
    }
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(60);
  });
});
