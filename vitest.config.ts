import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // rotate's locks and upload records: never the developer's own state folder.
    env: { PFXKIT_STATE_DIR: join(tmpdir(), `pfxkit-test-state-${process.pid}`) },
    reporters: ['default', './test/summary-reporter.ts'],
    // npm run coverage: the sources as the tests run them (the CLI in child processes is not counted).
    coverage: { provider: 'v8', include: ['src/**/*.ts'], exclude: ['src/pkcs12/sha-wasm.ts'], reporter: ['text-summary', 'json-summary'] },
  },
});
