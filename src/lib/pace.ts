/**
 * Cooperative pacing of CPU work on the event loop, shared by everything in the process that
 * uses it (concurrent reads): work is declared, in units, before it is done; one event-loop turn
 * takes at most TURN_UNITS of declared work across all callers, and the rest waits for later
 * turns, first come first served. Without it, a thousand concurrent reads run back to back in
 * one turn (their awaits resolve as microtasks), and timers, sockets and servers wait seconds.
 *
 * Unit: about one PBKDF2-HMAC-SHA256 iteration, 0.5 µs on the reference machine (2-core AMD
 * EPYC). No clock is read: the pacing is by declared work, the same on every machine.
 */

/** Declared work one event-loop turn may take (about 20 ms on the reference machine). */
export const TURN_UNITS = 40_000;

let spent = 0;
let scheduled = false;
const waiting: { units: number; resume: () => void }[] = [];

/** A new turn: releases waiting work, first come first served, up to TURN_UNITS (at least one). */
function turn(): void {
  scheduled = false;
  spent = 0;
  while (waiting.length > 0) {
    const next = waiting[0]!;
    if (spent > 0 && spent + next.units > TURN_UNITS) break;
    waiting.shift();
    spent += next.units;
    next.resume();
  }
  schedule();
}

function schedule(): void {
  if (scheduled || (spent === 0 && waiting.length === 0)) return;
  scheduled = true;
  setImmediate(turn);
}

/**
 * Declares `units` of work about to be done: returns `undefined` when it fits in this turn
 * (go on at once), else a promise that resolves in a later turn. Callers keep each declared
 * piece at most TURN_UNITS; a larger one runs alone in its turn.
 *
 * @example
 * ```ts
 * await pace(steps * weight);
 * runSteps(steps);
 * ```
 */
export function pace(units: number): Promise<void> | undefined {
  if (waiting.length === 0 && (spent === 0 || spent + units <= TURN_UNITS)) {
    spent += units;
    schedule();
    return undefined;
  }
  return new Promise((resume) => {
    waiting.push({ units, resume });
    schedule();
  });
}

/** {@link pace}, awaited when it asks to wait. */
export async function paced(units: number): Promise<void> {
  const wait = pace(units);
  if (wait) await wait;
}
