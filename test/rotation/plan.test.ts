import { describe, expect, it } from 'vitest';
import { planRotation, type PlanInput } from '../../src/rotation/plan.js';
import type { Target, TargetCertificate } from '../../src/rotation/target.js';
import type { ValidationResult } from '../../src/validate/types.js';

const now = 2_000_000_000;
const ok: ValidationResult = { ok: true, leaf: null, findings: [] };
const cand = { thumbprint: 'C'.repeat(40), notBefore: now - 10, notAfter: now + 400 * 86_400 };
const entry = (t: string, notAfter: number, isActive: boolean): TargetCertificate => ({ thumbprint: t, notBefore: now - 100, notAfter, isActive });
const basic: Target = { kind: 'connector', id: '1', displayName: 'b', basic: true, certificates: [] };
const certs = (...list: TargetCertificate[]): Target => ({ ...basic, basic: false, certificates: list });
const keyset = (...list: TargetCertificate[]): Target => ({ kind: 'keyset', id: 'B2C_1A_Client', displayName: null, basic: false, certificates: list });
const future = { ...cand, notBefore: now + 3600 };
const notYetValid: ValidationResult = { ok: false, leaf: null, findings: [{ code: 'NOT_YET_VALID', severity: 'error', message: 'x' }] };

const cases: { name: string; input: Partial<PlanInput>; want: { action: string; refused: boolean; reason: RegExp; warnings?: number } }[] = [
  { name: 'auto, Basic → replace', input: { target: basic }, want: { action: 'replace', refused: false, reason: /Basic/ } },
  {
    name: 'auto, certificates → upload',
    input: { target: certs(entry('A'.repeat(40), now + 100 * 86_400, true)) },
    want: { action: 'upload', refused: false, reason: /appends.*\(1 certificate before\)/ },
  },
  { name: 'auto, already listed → none', input: { target: certs(entry(cand.thumbprint, cand.notAfter, true)) }, want: { action: 'none', refused: false, reason: /already/ } },
  {
    name: 'upload mode on a listed certificate → none',
    input: { mode: 'upload', target: certs(entry(cand.thumbprint, cand.notAfter, true)) },
    want: { action: 'none', refused: false, reason: /already/ },
  },
  { name: 'upload mode on a Basic connector → refused', input: { mode: 'upload', target: basic }, want: { action: 'none', refused: true, reason: /only a PATCH is documented/ } },
  {
    name: 'replace mode on a longer list → replace',
    input: { mode: 'replace', target: certs(entry(cand.thumbprint, cand.notAfter, true), entry('A'.repeat(40), now + 5, false)) },
    want: { action: 'replace', refused: false, reason: /replaces the certificate list \(2/ },
  },
  {
    name: 'replace mode on exactly this one → none',
    input: { mode: 'replace', target: certs(entry(cand.thumbprint, cand.notAfter, true)) },
    want: { action: 'none', refused: false, reason: /exactly/ },
  },
  {
    name: 'validation errors → refused',
    input: { target: basic, validation: { ok: false, leaf: null, findings: [{ code: 'EXPIRED', severity: 'error', message: 'x' }] } },
    want: { action: 'none', refused: true, reason: /EXPIRED/ },
  },
  { name: 'older than the active one → refused', input: { target: certs(entry('A'.repeat(40), cand.notAfter + 1, true)) }, want: { action: 'none', refused: true, reason: /allow-older/ } },
  { name: 'older, allowOlder → upload', input: { allowOlder: true, target: certs(entry('A'.repeat(40), cand.notAfter + 1, true)) }, want: { action: 'upload', refused: false, reason: /appends/ } },
  // No window without an active certificate: a PATCH with a not-yet-valid certificate is refused.
  {
    name: 'not valid yet, Basic (auto → PATCH) → refused',
    input: { candidate: future, validation: notYetValid, target: basic },
    want: { action: 'none', refused: true, reason: /not valid before .*without an active certificate/ },
  },
  {
    name: 'not valid yet, replace → refused',
    input: { mode: 'replace', candidate: future, validation: notYetValid, target: certs(entry('A'.repeat(40), now + 5, true)) },
    want: { action: 'none', refused: true, reason: /stage it with --mode upload/ },
  },
  {
    name: 'not valid yet, upload → staged with a warning',
    input: { candidate: future, validation: notYetValid, target: certs(entry('A'.repeat(40), now + 5, true)) },
    want: { action: 'upload', refused: false, reason: /appends/, warnings: 1 },
  },
  { name: 'keyset → upload', input: { target: keyset(entry('A'.repeat(40), now + 5, true)) }, want: { action: 'upload', refused: false, reason: /uploadPkcs12/ } },
  { name: 'keyset, key already there → none', input: { target: keyset(entry(cand.thumbprint, cand.notAfter, true)) }, want: { action: 'none', refused: false, reason: /already in the keyset/ } },
  { name: 'keyset, replace → refused', input: { mode: 'replace', target: keyset() }, want: { action: 'none', refused: true, reason: /takes no replace/ } },
  {
    name: 'keyset, not valid yet → staged until its nbf',
    input: { candidate: future, validation: notYetValid, target: keyset() },
    want: { action: 'upload', refused: false, reason: /uploadPkcs12/, warnings: 1 },
  },
];

describe('planRotation', () => {
  it.each(cases)('$name', ({ input, want }) => {
    const plan = planRotation({ target: basic, candidate: cand, validation: ok, now, mode: 'auto', ...input });
    expect(plan.action).toBe(want.action);
    expect(plan.refused).toBe(want.refused);
    expect(plan.reason).toMatch(want.reason);
    expect(plan.warnings).toHaveLength(want.warnings ?? 0);
  });

  it('a staged upload says when the candidate takes over', () => {
    const plan = planRotation({ target: certs(entry('A'.repeat(40), now + 5, true)), candidate: future, validation: notYetValid, now, mode: 'auto' });
    expect(plan.warnings[0]).toMatch(/^staged: the candidate is not valid before 2033-05-18T04:33:20Z; the current certificate stays active until then/);
    const k = planRotation({ target: keyset(), candidate: future, validation: notYetValid, now, mode: 'auto' });
    expect(k.warnings[0]).toMatch(/B2C activates a key at its nbf/);
  });
});
