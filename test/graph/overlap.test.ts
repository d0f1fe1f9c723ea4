// One upload per certificate per connector, whatever runs at once: two rotations together, a run
// killed mid-upload and rerun while Graph is still processing it, unknown outcomes, a held lock,
// duplicates that exist anyway. Requests are held by the emulator until the test lets them go
// (no timed waits); the clock is injected.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, getConnector, uploadClientCertificate } from '../../src/graph/connectors.js';
import { GraphHttp } from '../../src/graph/http.js';
import { staticToken } from '../../src/graph/credentials.js';
import { fileJournal, journalKey, type Journal } from '../../src/graph/journal.js';
import { rotate, type RotateOptions } from '../../src/graph/rotate.js';
import { certificateListOf } from '../../src/graph/types.js';
import type { GraphEmulator } from '../../src/emulator/server.js';
import { cli } from '../helpers.js';
import { basicConnector, candidate, client, NOW, startEmulator, type Candidate } from './setup.js';

let first: Candidate;
let second: Candidate;
beforeAll(async () => {
  first = await candidate('CN=first', { startDaysAgo: 30, days: 365 });
  second = await candidate('CN=second', { startDaysAgo: 1, days: 400 });
});

let emulator: GraphEmulator;
afterEach(async () => {
  await emulator?.stop();
});

/** Yields to the event loop until `cond` holds (bounded: a test that never gets there fails). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 20_000;
  while (Date.now() < giveUp) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** A request the emulator holds until `release()`. */
function hold(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

const uploads = (e: GraphEmulator): number => e.count('POST', /uploadClientCertificate$/);
const copies = async (http: GraphHttp, id: string, c: Candidate): Promise<number> => certificateListOf(await getConnector(http, id)).filter((e) => e.thumbprint === c.thumbprint).length;

async function setup(): Promise<{ url: string; http: GraphHttp; journal: Journal; dir: string }> {
  const started = await startEmulator();
  emulator = started.emulator;
  const dir = mkdtempSync(join(tmpdir(), 'pfxkit-journal-'));
  return { url: started.url, http: client(started.url, emulator.token), journal: fileJournal(dir), dir };
}

const run = (http: GraphHttp, journal: Journal, c: Candidate, ids: string[], extra: Partial<RotateOptions> = {}) =>
  rotate({ http, journal, bundle: c.bundle, pkcs12: c.pkcs12, password: c.password, connectors: ids, now: NOW, ...extra });

describe('one upload per certificate per connector', () => {
  it('two rotations at once: the second waits for the first, finds the certificate, and uploads nothing', async () => {
    const { url, journal } = await setup();
    const http = client(url, emulator.token);
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, journal, first, [conn.id]);
    const held = hold();
    emulator.faults.push({ kind: 'delay', hold: held.promise, method: 'POST', path: /uploadClientCertificate$/ });
    const lines: string[] = [];
    // The waiting run's sleeper only yields: its lock wait never runs out on the frozen clock.
    const waiting = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token), sleep: () => new Promise((r) => setImmediate(r)) });
    const a = run(http, journal, second, [conn.id]);
    await until(() => uploads(emulator) === 1, 'the first upload reaches Graph');
    const b = run(waiting, journal, second, [conn.id], { clock: () => 0, log: (l) => lines.push(l) });
    await until(() => lines.some((l) => l.includes('waiting for it')), 'the second run waits for the lock');
    held.release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.results[0]).toMatchObject({ action: 'upload', verified: true, duplicates: 0, error: null });
    expect(rb.results[0]).toMatchObject({ action: 'none', verified: true, duplicates: 0, error: null });
    expect(uploads(emulator)).toBe(1);
    expect(await copies(http, conn.id, second)).toBe(1);
    expect(lines[0]).toMatch(new RegExp(`^another pfxkit run \\(pid ${process.pid} on .+\\) is rotating connector ${conn.id}: waiting for it \\(at most 120 s\\)$`));
  });

  it('a run killed (SIGKILL) mid-upload, rerun while Graph still processes it: the rerun looks it up, and does not post again', async () => {
    const { url, http, dir } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, fileJournal(dir), first, [conn.id]);
    const pfx = join(dir, 'second.pfx');
    writeFileSync(pfx, second.pkcs12);
    const held = hold();
    emulator.faults.push({ kind: 'delay', hold: held.promise, method: 'POST', path: /uploadClientCertificate$/ });
    const child = spawn(process.execPath, [cli, 'rotate', pfx, '--connector', conn.id, '--password-env', 'PW', '--now', NOW.toISOString()], {
      env: { PATH: process.env.PATH, PFXKIT_STATE_DIR: dir, PFXKIT_GRAPH_URL: url, PFXKIT_ACCESS_TOKEN: emulator.token, PW: second.password },
      stdio: 'ignore',
    });
    await until(() => uploads(emulator) === 1, "the killed run's upload reaches Graph");
    const gone = new Promise((r) => child.on('close', r));
    child.kill('SIGKILL');
    await gone;

    // The rerun: the killed run's lock is stale; its record says an upload may still land.
    let clock = Date.now();
    const lines: string[] = [];
    const sleeps: number[] = [];
    const rerunHttp = new GraphHttp({
      baseUrl: url,
      token: staticToken(emulator.token),
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 1) {
          // Graph finishes the killed run's upload while the rerun waits.
          held.release();
          await until(() => emulator.requests.some((r) => r.method === 'POST' && r.status !== 0), 'the held upload is processed');
        }
        clock += ms;
      },
    });
    const r = await run(rerunHttp, fileJournal(dir), second, [conn.id], { clock: () => clock, log: (l) => lines.push(l) });
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, duplicates: 0, error: null });
    expect(uploads(emulator)).toBe(1);
    expect(await copies(http, conn.id, second)).toBe(1);
    expect(lines.join('\n')).toMatch(/has no known outcome: looking for it until/);
    expect(sleeps[0]).toBe(1000);
    // Settled: nothing is left for a third run to look for.
    expect(await fileJournal(dir).pending(journalKey(journalKey(new URL(url).origin, 'connector', conn.id), second.thumbprint))).toBeNull();
  });

  it('a 500 to an upload is looked up once (Graph answered: its work is over), then posted again', async () => {
    const { http, journal } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, journal, first, [conn.id]);
    emulator.faults.push({ kind: 'status', status: 500, method: 'POST', path: /uploadClientCertificate$/ });
    const before = emulator.count('GET', /./);
    const r = await run(http, journal, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, error: null });
    expect(uploads(emulator)).toBe(2);
    expect(emulator.count('GET', /./) - before).toBe(2); // the plan's read and one look-up
  });

  it('an upload retried after a long 429 is given its grace from when it was sent, not from the first try', async () => {
    const { url, journal } = await setup();
    const http0 = client(url, emulator.token);
    const conn = await createConnector(http0, basicConnector('x'));
    await run(http0, journal, first, [conn.id]);
    const held = hold();
    emulator.faults.push({ kind: 'throttle', method: 'POST', path: /uploadClientCertificate$/, retryAfter: '100' });
    let clock = 5_000_000;
    const sleeps: number[] = [];
    const http = new GraphHttp({
      baseUrl: url,
      token: staticToken(emulator.token),
      timeoutMs: 300,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
        // After the 429's wait, the retried post is held past the client's timeout.
        if (sleeps.length === 1) emulator.faults.push({ kind: 'delay', hold: held.promise, method: 'POST', path: /uploadClientCertificate$/ });
        if (sleeps.length === 2) {
          // Looking for the timed-out post: Graph finishes it meanwhile.
          held.release();
          await until(() => emulator.requests.some((r) => /uploadClientCertificate$/.test(r.path) && r.status !== 0 && r.status !== 429), 'the held upload is processed');
        }
      },
    });
    const r = await run(http, journal, second, [conn.id], { clock: () => clock });
    expect(r.results[0]).toMatchObject({ action: 'upload', verified: true, duplicates: 0, error: null });
    expect(sleeps[0]).toBe(100_000);
    expect(await copies(http0, conn.id, second)).toBe(1);
  });

  it('an unanswered upload that never lands: looked up until its timeout plus the grace has passed, then posted again', async () => {
    const { url, journal } = await setup();
    const sleeps: number[] = [];
    let clock = 1_000_000;
    const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token), timeoutMs: 5_000, sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) });
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, journal, first, [conn.id]);
    // Graph never processes the first post, and no answer comes.
    emulator.faults.push({ kind: 'drop-request', method: 'POST', path: /uploadClientCertificate$/ });
    const r = await run(http, journal, second, [conn.id], { clock: () => clock, graceMs: 20_000 });
    expect(r.results[0]).toMatchObject({ verified: true, error: null });
    expect(uploads(emulator)).toBe(2);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(25_000); // 1 + 2 + 4 + 8 + 10 s: timeout + grace
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 10_000]);
  });

  it('another run holding the lock past --lock-wait: GRAPH_UNAVAILABLE naming it, nothing written', async () => {
    const { url, journal } = await setup();
    let clock = 0;
    const http = new GraphHttp({ baseUrl: url, token: staticToken(emulator.token), sleep: async (ms) => void (clock += ms) });
    const conn = await createConnector(http, basicConnector('x'));
    const release = await journal.lock(journalKey(new URL(url).origin, 'connector', conn.id), 'x', { waitMs: 0, sleep: async () => undefined, now: () => 0 });
    const writes = emulator.requests.filter((q) => q.method !== 'GET').length;
    const r = await run(http, journal, first, [conn.id], { clock: () => clock, lockWaitMs: 5_000 });
    expect(r.exitCode).toBe(2);
    expect(r.results[0]!.error).toEqual({
      code: 'GRAPH_UNAVAILABLE',
      message: expect.stringMatching(
        /^another pfxkit run \(pid \d+ on .+, since 1970-01-01T00:00:00Z\) is rotating connector .+; waited 5 s for it \(--lock-wait\), nothing was written \(lock file .+\.lock\)$/,
      ),
    });
    expect(emulator.requests.filter((q) => q.method !== 'GET').length).toBe(writes);
    await release();
    expect((await run(http, journal, first, [conn.id])).results[0]).toMatchObject({ action: 'replace', verified: true });
  });

  it("a dead run's lock is taken over", async () => {
    const { http, journal, dir } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = dead.pid!;
    await new Promise((r) => dead.on('close', r));
    const key = journalKey(new URL(http.baseUrl).origin, 'connector', conn.id);
    const lockDir = join(dir, 'locks');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, `${key}.lock`), JSON.stringify({ pid, host: hostname(), since: 0 }));
    expect((await run(http, journal, first, [conn.id], { lockWaitMs: 0 })).results[0]).toMatchObject({ action: 'replace', verified: true });
  });

  it('a stale lock is taken over by one run only, even when two find it at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxkit-journal-'));
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('close', r));
    mkdirSync(join(dir, 'locks'), { recursive: true });
    writeFileSync(join(dir, 'locks', 'k.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), since: 0 }));
    const opts = { waitMs: 60_000, sleep: () => new Promise<void>((r) => setImmediate(r)), now: Date.now };
    const order: string[] = [];
    const take = async (name: string): Promise<void> => {
      const release = await fileJournal(dir).lock('k', 'x', opts);
      order.push(`${name} in`);
      await new Promise((r) => setImmediate(r));
      order.push(`${name} out`);
      await release();
    };
    await Promise.all([take('a'), take('b')]);
    // Never both inside at once.
    expect([order.slice(0, 2), order.slice(2)].map((pair) => pair[0]!.split(' ')[0] === pair[1]!.split(' ')[0])).toEqual([true, true]);
  });

  it("another host's lock is taken over after an hour, not before; the error names the lock file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxkit-journal-'));
    mkdirSync(join(dir, 'locks'), { recursive: true });
    const lock = join(dir, 'locks', 'k.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'a-replaced-container', since: 0 }));
    const opts = { waitMs: 0, sleep: async () => undefined, now: () => 0 };
    await expect(fileJournal(dir).lock('k', 'connector x', opts)).rejects.toMatchObject({ code: 'GRAPH_UNAVAILABLE', message: expect.stringContaining(`(lock file ${lock})`) });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(lock, twoHoursAgo, twoHoursAgo);
    await (await fileJournal(dir).lock('k', 'connector x', opts))();
  });

  it('a state folder that cannot be used is USAGE naming PFXKIT_STATE_DIR', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pfxkit-journal-')), 'not-a-folder');
    writeFileSync(file, '');
    await expect(fileJournal(file).lock('k', 'x', { waitMs: 0, sleep: async () => undefined, now: () => 0 })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/PFXKIT_STATE_DIR\) cannot be used: ENOTDIR/),
    });
  });

  it('a duplicate that exists anyway is reported: duplicates and a warning, not silence', async () => {
    const { http, journal } = await setup();
    const conn = await createConnector(http, basicConnector('x'));
    await run(http, journal, first, [conn.id]);
    const b64 = Buffer.from(second.pkcs12).toString('base64');
    await uploadClientCertificate(http, conn.id, b64, second.password);
    await uploadClientCertificate(http, conn.id, b64, second.password);
    const r = await run(http, journal, second, [conn.id]);
    expect(r.results[0]).toMatchObject({ action: 'none', verified: true, duplicates: 1 });
    expect(r.results[0]!.warnings.join('\n')).toMatch(new RegExp(`Graph lists ${second.thumbprint} 2 times`));
  });
});
