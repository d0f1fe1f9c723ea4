// External producers/consumers for round-trip tests. On CI (CI=true) they must be there (.ci/run
// installs them); elsewhere a missing tool skips its tests with a notice.
import { spawnSync } from 'node:child_process';

export function haveTool(cmd: string, args: string[] = ['-help']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ok = r.error === undefined;
  if (!ok && process.env.CI) throw new Error(`${cmd} is required on CI (.ci/run installs it)`);
  if (!ok) console.warn(`${cmd} not found: its round-trip tests are skipped`);
  return ok;
}

/** Runs a tool with a UTF-8 locale (Java decodes its arguments by the locale). */
export function sh(cmd: string, args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '', env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}
