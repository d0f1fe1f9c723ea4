import { describe, expect, it } from 'vitest';
import { planRotation, type PlanInput } from '../../src/rotation/plan.js';
import type { ApiConnector } from '../../src/graph/types.js';
import type { ValidationResult } from '../../src/validate/types.js';

const now = 2_000_000_000;
const ok: ValidationResult = { ok: true, leaf: null, findings: [] };
const cand = { thumbprint: 'C'.repeat(40), notBefore: now - 10, notAfter: now + 400 * 86_400 };
const entry = (t: string, notAfter: number, isActive: boolean) => ({ thumbprint: t, notBefore: now - 100, notAfter, isActive });
const basic: ApiConnector = { id: '1', displayName: 'b', targetUrl: 'https://x', authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: '******' } };
const certs = (...list: ReturnType<typeof entry>[]): ApiConnector => ({ ...basic, authenticationConfiguration: { '@odata.type': '#microsoft.graph.clientCertificateAuthentication', certificateList: list } });

const cases: { name: string; input: Partial<PlanInput>; want: { action: string; refused: boolean; reason: RegExp; warnings?: number } }[] = [
  { name: 'auto, Basic → replace', input: { connector: basic }, want: { action: 'replace', refused: false, reason: /Basic/ } },
  { name: 'auto, certificates → upload', input: { connector: certs(entry('A'.repeat(40), now + 100 * 86_400, true)) }, want: { action: 'upload', refused: false, reason: /appends/ } },
  { name: 'auto, already listed → none', input: { connector: certs(entry(cand.thumbprint, cand.notAfter, true)) }, want: { action: 'none', refused: false, reason: /already/ } },
  { name: 'upload mode on a listed certificate → none', input: { mode: 'upload', connector: certs(entry(cand.thumbprint, cand.notAfter, true)) }, want: { action: 'none', refused: false, reason: /already/ } },
  { name: 'replace mode on a longer list → replace', input: { mode: 'replace', connector: certs(entry(cand.thumbprint, cand.notAfter, true), entry('A'.repeat(40), now + 5, false)) }, want: { action: 'replace', refused: false, reason: /replaces the certificate list \(2/ } },
  { name: 'replace mode on exactly this one → none', input: { mode: 'replace', connector: certs(entry(cand.thumbprint, cand.notAfter, true)) }, want: { action: 'none', refused: false, reason: /exactly/ } },
  { name: 'validation errors → refused', input: { connector: basic, validation: { ok: false, leaf: null, findings: [{ code: 'EXPIRED', severity: 'error', message: 'x' }] } }, want: { action: 'none', refused: true, reason: /EXPIRED/ } },
  { name: 'older than the active one → refused', input: { connector: certs(entry('A'.repeat(40), cand.notAfter + 1, true)) }, want: { action: 'none', refused: true, reason: /allow-older/ } },
  { name: 'older, allowOlder → upload', input: { allowOlder: true, connector: certs(entry('A'.repeat(40), cand.notAfter + 1, true)) }, want: { action: 'upload', refused: false, reason: /appends/ } },
  { name: 'not valid yet → a warning', input: { candidate: { ...cand, notBefore: now + 3600 }, connector: basic }, want: { action: 'replace', refused: false, reason: /Basic/, warnings: 1 } },
];

describe('planRotation', () => {
  it.each(cases)('$name', ({ input, want }) => {
    const plan = planRotation({ connector: basic, candidate: cand, validation: ok, now, mode: 'auto', ...input });
    expect(plan.action).toBe(want.action);
    expect(plan.refused).toBe(want.refused);
    expect(plan.reason).toMatch(want.reason);
    expect(plan.warnings).toHaveLength(want.warnings ?? 0);
  });
});

describe('staging ahead of notBefore', () => {
  it('NOT_YET_VALID alone does not refuse a rotation; it warns', () => {
    const validation: ValidationResult = { ok: false, leaf: null, findings: [{ code: 'NOT_YET_VALID', severity: 'error', message: 'x' }] };
    const plan = planRotation({ connector: basic, candidate: { ...cand, notBefore: now + 86_400 }, validation, now, mode: 'auto' });
    expect([plan.action, plan.refused, plan.warnings.length]).toEqual(['replace', false, 1]);
  });
});
