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
  },
});
