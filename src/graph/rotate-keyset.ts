/**
 * One B2C policy keyset (Graph beta): read it (creating it first with createKeysets), plan (a
 * keyset only ever gets an upload), uploadPkcs12 then look up, and verify by re-reading the keyset
 * (thumbprint, nbf, exp), with `active` from getActiveKey.
 */
import { PfxkitError } from '../errors.js';
import { planRotation } from '../rotation/plan.js';
import type { TargetCertificate } from '../rotation/target.js';
import type { GraphHttp } from './http.js';
import { TransportError } from './http.js';
import { createKeySet, getActiveKey, getKeySet, keysetTarget, uploadPkcs12, type TrustFrameworkKeySet } from './keysets.js';
import { asPfxkitError, verify, type RotateResult, type Run } from './run.js';
import { uploadThenLookUp } from './upload.js';

/** The keyset, created first when it is missing and the run may create it (a plan only says so). */
async function keysetOrCreate(run: Run, beta: GraphHttp, id: string, warnings: string[]): Promise<TrustFrameworkKeySet> {
  try {
    return await getKeySet(beta, id);
  } catch (err) {
    if (!(err instanceof PfxkitError && err.code === 'GRAPH_NOT_FOUND')) throw err;
    if (!run.createKeysets) throw new PfxkitError('GRAPH_NOT_FOUND', `there is no policy keyset ${id} (--create-keyset creates it first)`, { cause: err });
  }
  if (run.dryRun) {
    warnings.push(`the keyset ${id} does not exist: it would be created first (--create-keyset)`);
    return { id, keys: [] };
  }
  run.log(`creating the policy keyset ${id}`);
  try {
    return await createKeySet(beta, id);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    // The answer was lost: the keyset may exist now.
    return getKeySet(beta, id);
  }
}

/** The keyset's certificate keys with B2C's active key marked. */
async function certificatesOf(beta: GraphHttp, id: string): Promise<TargetCertificate[]> {
  const [keyset, active] = await Promise.all([getKeySet(beta, id), getActiveKey(beta, id)]);
  return keysetTarget(keyset, active).certificates;
}

/** Rotates the run's candidate into one keyset. `beta` is the run's Graph client on the beta root. */
export async function rotateKeyset(run: Run, beta: GraphHttp, id: string, blank: (fields: Partial<RotateResult>) => RotateResult): Promise<RotateResult> {
  const warnings: string[] = [];
  let keyset: TrustFrameworkKeySet;
  let target;
  try {
    keyset = await keysetOrCreate(run, beta, id, warnings);
    target = keysetTarget(keyset, keyset.keys.length ? await getActiveKey(beta, keyset.id) : null);
  } catch (err) {
    const e = asPfxkitError(err);
    return blank({ error: { code: e.code, message: e.message } });
  }
  const plan = planRotation({ target, candidate: run.candidate, validation: run.validation, now: run.now, mode: run.mode, allowOlder: run.allowOlder });
  const r = blank({
    keyset: { id: keyset.id },
    action: plan.action,
    reason: plan.reason,
    certificateList: plan.certificateList,
    warnings: [...warnings, ...plan.warnings, ...run.validationWarnings('keyset')],
    error: plan.refused ? { code: 'REFUSED', message: plan.reason } : null,
  });
  if (plan.refused || run.dryRun) return r;
  if (plan.action === 'none') return verify(run, r, plan.certificateList);
  try {
    const { value, password } = await run.sent('keyset');
    const list = (): Promise<TargetCertificate[]> => certificatesOf(beta, keyset.id);
    const post = async (beforeAttempt: () => Promise<void>): Promise<TargetCertificate[]> => {
      await uploadPkcs12(beta, keyset.id, value, password, { beforeAttempt });
      return list();
    };
    // Verified on a fresh read of the keyset's keys and of getActiveKey after the write.
    return verify(run, r, await uploadThenLookUp(run.uploads, { label: `keyset ${keyset.id}`, key: run.key('keyset', keyset.id), post, list }, run.candidate.thumbprint));
  } catch (err) {
    const e = asPfxkitError(err);
    return { ...r, error: { code: e.code, message: run.explain(e, 'keyset') } };
  }
}
