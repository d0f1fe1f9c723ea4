// npm prepack: removes dist/ so that the package holds only what tsconfig.build.json emits
// (no source maps, no leftovers of an earlier build).
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
