// Fuzzing: 720 mutated bundles (bit flips, truncations, insertions, damaged length bytes, random
// bytes) over bundles from every producer. Every read settles, quickly, with a result or a
// contract code: no other exception, no hang, no runaway memory. Deterministic seed, bounded count;
// iteration counts are capped at 100,000 so that a mutation cannot buy a long derivation.
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

const SOURCES = [
  'openssl3-default.p12',
  'openssl3-legacy.p12',
  'openssl3-noenc-nomac.p12',
  'openssl3-chain.p12',
  'openssl3-ec.p12',
  'openssl3-pbe-sha1-rc4-128.p12',
  'openssl3-mac-sha512.p12',
  'forge-3des.p12',
  'forge-null-password.p12',
  'keytool-prf-sha1-aes_128.p12',
  'keytool-jdk17-legacy.p12',
  'openssl3-default.b64',
];
const PER_SOURCE = 60;
const SETTLE_MS = 10_000;

describe('mutated bundles give a result or a contract code', () => {
  const rows = manifest().filter((r) => SOURCES.includes(r.file.split('/').pop()!));
  it('covers the sources', () => expect(rows).toHaveLength(SOURCES.length));
  const heapBefore = process.memoryUsage().heapUsed;
  it.each(rows.map((r) => [r.file.split('/').pop()!, r] as const))(`%s: ${PER_SOURCE} mutations`, async (_n, row) => {
    const src = readFileSync(row.file);
    const r = rng(0x5eed + src.length);
    const seen: Record<string, number> = {};
    for (let i = 0; i < PER_SOURCE; i++) {
      const input = mutate(src, r);
      try {
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`mutation ${i} of ${row.name} did not settle within ${SETTLE_MS} ms`)), SETTLE_MS);
        });
        await Promise.race([readPkcs12(input, { password: row.password, maxIterations: 100_000 }), hang]).finally(() => clearTimeout(timer));
        seen.ok = (seen.ok ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof PfxkitError) || !CODES.has(err.code)) {
          throw new Error(`mutation ${i} of ${row.name} threw ${String(err)}\n${(err as Error).stack}`, { cause: err });
        }
        seen[err.code] = (seen[err.code] ?? 0) + 1;
      }
    }
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(PER_SOURCE);
  });
  it('memory stays bounded', () => {
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 2 ** 20);
  });
});
