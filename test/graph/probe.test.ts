// pfxkit probe against the emulator under each rule it can be given: what it finds, that it writes
// only to its scratch connector, and that the scratch connector is gone after success, failure or abort.
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector, getConnector, listConnectors } from '../../src/graph/connectors.js';
import { probeGraph } from '../../src/graph/probe.js';
import { rulesFromProbe, type EmulatorOptions, type GraphEmulator } from '../../src/emulator/server.js';
import { basicConnector, client, NOW, startEmulator } from './setup.js';

let emulator: GraphEmulator;
afterEach(async () => {
  await emulator?.stop();
});

async function setup(options: EmulatorOptions = {}) {
  const started = await startEmulator(options);
  emulator = started.emulator;
  return client(started.url, emulator.token);
}

/** Every write the emulator saw, by connector id (the create has none yet: '(create)'). */
const writtenIds = (e: GraphEmulator): Set<string> => new Set(e.requests.filter((r) => r.method !== 'GET').map((r) => r.path.split('/')[3] ?? '(create)'));

describe('probeGraph', () => {
  it('the documented defaults: newest, AES refused, Basic upload rejected, duplicates taken, exact epochs; nothing else written', async () => {
    const http = await setup();
    const bystander = await createConnector(http, basicConnector('bystander'));
    const before = await getConnector(http, bystander.id);
    emulator.requests.length = 0;
    const lines: string[] = [];
    const r = await probeGraph({ http, now: NOW, log: (l) => lines.push(l) });
    expect(r).toEqual({ activeRule: 'newest', acceptsAes: false, basicUpload: 'reject', acceptsDuplicate: true, epochsExact: true, connector: { id: expect.any(String), deleted: true } });
    expect(writtenIds(emulator)).toEqual(new Set(['(create)', r.connector.id]));
    expect((await listConnectors(http)).map((c) => c.id)).toEqual([bystander.id]);
    expect(await getConnector(http, bystander.id)).toEqual(before);
    expect(lines.length).toBeGreaterThanOrEqual(6);
  });

  it.each<[string, EmulatorOptions]>([
    ['oldest, AES taken, Basic converted, duplicates refused', { activeRule: 'oldest', acceptAes: true, basicUpload: 'convert', acceptDuplicate: false }],
    ['newest, AES refused, Basic rejected, duplicates refused', { activeRule: 'newest', acceptAes: false, basicUpload: 'reject', acceptDuplicate: false }],
  ])('finds the rules it is run against: %s (and they feed the emulator back)', async (_name, rules) => {
    const http = await setup(rules);
    const r = await probeGraph({ http, now: NOW });
    expect(rulesFromProbe(r)).toEqual(rules);
    expect(await listConnectors(http)).toEqual([]);
  });

  it('a failed step still deletes the scratch connector, and says so', async () => {
    const http = await setup();
    emulator.faults.push({ kind: 'status', status: 400, method: 'PATCH', times: 1 });
    await expect(probeGraph({ http, now: NOW })).rejects.toMatchObject({ code: 'GRAPH_REJECTED', message: expect.stringMatching(/the scratch connector \S+ was deleted$/) });
    expect(await listConnectors(http)).toEqual([]);
  });

  it("a lost answer to the scratch connector's creation: found by its name and deleted", async () => {
    const http = await setup();
    emulator.faults.push({ kind: 'lose-response', method: 'POST', path: /apiConnectors$/ });
    await expect(probeGraph({ http, now: NOW })).rejects.toMatchObject({ code: 'GRAPH_UNAVAILABLE', message: expect.stringMatching(/the scratch connector pfxkit-probe-[0-9a-f]{8} was deleted$/) });
    expect(await listConnectors(http)).toEqual([]);
  });

  it('an abort between steps (Ctrl-C) stops and deletes the scratch connector', async () => {
    const http = await setup();
    const abort = new AbortController();
    const log = (line: string): void => {
      if (line.startsWith('uploading a second')) abort.abort();
    };
    await expect(probeGraph({ http, now: NOW, signal: abort.signal, log })).rejects.toThrow(/interrupted; the scratch connector \S+ was deleted/);
    expect(await listConnectors(http)).toEqual([]);
    // The step under way when the signal came finished (the Basic try and the second upload); no later one ran.
    expect(emulator.count('POST', /uploadClientCertificate$/)).toBe(2);
  });
});
