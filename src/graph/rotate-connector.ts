/**
 * One API connector: read it (after its lock is taken: the look-up right before a post), plan,
 * then PATCH (replace) or upload-then-look-up, and verify against the certificateList Graph shows.
 */
import { planRotation, type Plan } from '../rotation/plan.js';
import { getConnector, replaceCertificate, uploadClientCertificate } from './connectors.js';
import { asPfxkitError, verify, type RotateResult, type Run } from './run.js';
import { certificateListOf, connectorTarget, type ApiConnector, type CertificateListEntry } from './types.js';
import { uploadThenLookUp } from './upload.js';

/** The write a plan asks for, and the certificate list Graph shows after it. */
async function apply(run: Run, plan: Plan): Promise<CertificateListEntry[]> {
  const id = plan.target.id;
  const list = async (): Promise<CertificateListEntry[]> => certificateListOf(await getConnector(run.http, id));
  const { value, password } = await run.sent('connector');
  if (plan.action === 'replace') {
    await replaceCertificate(run.http, id, value, password);
    return list();
  }
  const post = async (beforeAttempt: () => Promise<void>): Promise<CertificateListEntry[]> => certificateListOf(await uploadClientCertificate(run.http, id, value, password, { beforeAttempt }));
  return uploadThenLookUp(run.uploads, { label: `connector ${id}`, key: run.key('connector', id), post, list }, run.candidate.thumbprint);
}

/**
 * Rotates the run's candidate onto one connector. `known` is the connector as a listing showed it
 * (a plan uses it; a write reads the connector again once it holds the lock).
 */
export async function rotateConnector(run: Run, id: string, known: ApiConnector | undefined, blank: (fields: Partial<RotateResult>) => RotateResult): Promise<RotateResult> {
  let connector: ApiConnector;
  try {
    connector = (run.dryRun ? known : undefined) ?? (await getConnector(run.http, id));
  } catch (err) {
    const e = asPfxkitError(err);
    return blank({ error: { code: e.code, message: e.message } });
  }
  const plan = planRotation({ target: connectorTarget(connector), candidate: run.candidate, validation: run.validation, now: run.now, mode: run.mode, allowOlder: run.allowOlder });
  const r = blank({
    connector: { id: connector.id, displayName: connector.displayName },
    action: plan.action,
    reason: plan.reason,
    certificateList: plan.certificateList,
    warnings: [...plan.warnings, ...run.validationWarnings('connector')],
    error: plan.refused ? { code: 'REFUSED', message: plan.reason } : null,
  });
  if (plan.refused || run.dryRun) return r;
  if (plan.action === 'none') return verify(run, r, plan.certificateList);
  try {
    return verify(run, r, await apply(run, plan));
  } catch (err) {
    const e = asPfxkitError(err);
    return { ...r, error: { code: e.code, message: run.explain(e, 'connector') } };
  }
}
