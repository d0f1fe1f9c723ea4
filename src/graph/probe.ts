/**
 * probe: settles what Graph's docs leave open, on the caller's own tenant, with a scratch connector
 * and throwaway certificates minted for it: which certificate Graph makes active, whether it takes
 * an AES-encrypted bundle, what an upload to a Basic-auth connector does, whether it takes the
 * same certificate twice, and whether its epochs are the certificate's. The scratch connector is
 * the only thing written to, and it is deleted whatever happens (a failed step, an abort).
 */
import { randomBytes } from 'node:crypto';
import { PfxkitError, toPfxkitError } from '../errors.js';
import { createClientBundle, type Created } from '../pkcs12/convert.js';
import { createConnector, deleteConnector, getConnector, listConnectors, replaceCertificate, uploadClientCertificate } from './connectors.js';
import { TransportError, type GraphHttp } from './http.js';
import { certificateListOf, type CertificateListEntry } from './types.js';

export interface ProbeResult {
  /** Which of two valid certificates Graph shows active: the later upload, the earlier one, or neither. */
  activeRule: 'newest' | 'oldest' | 'other';
  /** Whether an AES (PBES2) encrypted bundle with the right password was taken. */
  acceptsAes: boolean;
  /** An upload to a Basic-auth connector: refused, or switching it to certificates. */
  basicUpload: 'reject' | 'convert';
  /** Whether an upload of a certificate already listed was taken. */
  acceptsDuplicate: boolean;
  /** Whether Graph's notBefore/notAfter equal the certificate's, to the second. */
  epochsExact: boolean;
  connector: { id: string; deleted: boolean };
}

export interface ProbeOptions {
  http: GraphHttp;
  now: Date;
  /** Stops between steps; the scratch connector is still deleted. */
  signal?: AbortSignal;
  /** Progress, one line a step. */
  log?: (line: string) => void;
}

const b64 = (c: Created): string => Buffer.from(c.pkcs12).toString('base64');

/** The certificate minted for the probe as Graph should list it. */
const entryOf = (list: CertificateListEntry[], c: Created): CertificateListEntry | undefined => list.find((e) => e.thumbprint.toUpperCase() === c.certificate.thumbprint);

/**
 * Runs the probe. Throws the first failure (after deleting the scratch connector), with the
 * connector's id and whether it was deleted in the message.
 *
 * @example
 * ```ts
 * const rules = await probeGraph({ http, now: new Date() });
 * if (rules.activeRule === 'oldest') console.log('an upload does not take over: rotate with --mode replace');
 * ```
 */
export async function probeGraph(options: ProbeOptions): Promise<ProbeResult> {
  const { http, now } = options;
  const log = options.log ?? (() => undefined);
  const step = (line: string): void => {
    if (options.signal?.aborted) throw new PfxkitError('USAGE', 'interrupted');
    log(line);
  };
  const password = randomBytes(18).toString('base64url');
  step('minting three throwaway certificates (two in 3DES/SHA-1, one AES-encrypted)');
  const mint = (name: string, days: number, profile: 'compat' | 'modern'): Promise<Created> =>
    createClientBundle({ subject: `CN=pfxkit-probe ${name}`, now, days, password, key: 'ec-p256', profile, iterations: 2048 });
  const first = await mint('first', 30, 'compat');
  const second = await mint('second', 31, 'compat');
  const aes = await mint('aes', 32, 'modern');

  step('creating a scratch connector on Basic authentication');
  const id = await createScratch(http, `pfxkit-probe-${randomBytes(4).toString('hex')}`);
  const { list, taken } = uploads(http, id, password);

  let deleted = false;
  try {
    step(`uploading to the Basic-auth connector ${id}`);
    const basicUpload = (await taken(first)) && entryOf(await list(), first) ? 'convert' : 'reject';
    if (basicUpload === 'reject') {
      step('switching it to the first certificate by PATCH');
      await replaceCertificate(http, id, b64(first), password);
    }
    const listed = entryOf(await list(), first);
    if (!listed) throw new PfxkitError('VERIFY_FAILED', `Graph's certificate list does not show the first certificate ${first.certificate.thumbprint}`);
    const epochsExact = listed.notBefore === first.certificate.notBefore && listed.notAfter === first.certificate.notAfter;

    step('uploading a second valid certificate: which one is active?');
    if (!(await taken(second))) throw new PfxkitError('GRAPH_REJECTED', 'Graph refused an upload of a valid 3DES/SHA-1 certificate');
    const both = await list();
    const [a, b] = [entryOf(both, first)?.isActive, entryOf(both, second)?.isActive];
    const activeRule = b && !a ? 'newest' : a && !b ? 'oldest' : 'other';

    step('uploading an AES-encrypted bundle with the right password');
    const acceptsAes = await taken(aes);
    step('uploading the second certificate again');
    const acceptsDuplicate = await taken(second, 2);
    step(`deleting the scratch connector ${id}`);
    await deleteConnector(http, id);
    deleted = true;
    return { activeRule, acceptsAes, basicUpload, acceptsDuplicate, epochsExact, connector: { id, deleted } };
  } catch (err) {
    const e = toPfxkitError(err, 'GRAPH_UNAVAILABLE');
    throw new PfxkitError(e.code, `${e.message}; the scratch connector ${id} ${(await removed(http, id)) ? 'was deleted' : 'could NOT be deleted: delete it by hand'}`, {
      cause: err,
      serviceCode: e.serviceCode,
    });
  }
}

/** Creates the Basic-auth scratch connector; after a lost answer, finds it by its name (ours alone) and deletes it before throwing. */
async function createScratch(http: GraphHttp, displayName: string): Promise<string> {
  try {
    const connector = await createConnector(http, {
      displayName,
      targetUrl: 'https://pfxkit-probe.invalid/',
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'pfxkit-probe', password: randomBytes(18).toString('base64url') },
    });
    return connector.id;
  } catch (err) {
    const left = (await listConnectors(http).catch(() => [])).filter((c) => c.displayName === displayName);
    const gone = await Promise.all(left.map((c) => removed(http, c.id)));
    const e = toPfxkitError(err, 'GRAPH_UNAVAILABLE');
    const what = left.length ? (gone.every(Boolean) ? `; the scratch connector ${displayName} was deleted` : `; the scratch connector ${displayName} could NOT be deleted: delete it by hand`) : '';
    throw new PfxkitError(e.code, `${e.message}${what}`, { cause: err, serviceCode: e.serviceCode });
  }
}

/** The scratch connector's certificate list, and uploads to it that say whether Graph took them. */
function uploads(http: GraphHttp, id: string, password: string) {
  const list = async (): Promise<CertificateListEntry[]> => certificateListOf(await getConnector(http, id));
  /** Whether Graph took an upload: true on 200, false on a 4xx; an unknown outcome is settled by a re-read. */
  const taken = async (c: Created, expectCount?: number): Promise<boolean> => {
    try {
      await uploadClientCertificate(http, id, b64(c), password);
      return true;
    } catch (err) {
      if (err instanceof TransportError) {
        const after = await list();
        return expectCount === undefined ? entryOf(after, c) !== undefined : after.filter((e) => e.thumbprint.toUpperCase() === c.certificate.thumbprint).length >= expectCount;
      }
      if (err instanceof PfxkitError && err.code === 'GRAPH_REJECTED') return false;
      throw err;
    }
  };
  return { list, taken };
}

/** Deletes the scratch connector after a failure; true when it is gone. */
async function removed(http: GraphHttp, id: string): Promise<boolean> {
  try {
    await deleteConnector(http, id);
    return true;
  } catch (err) {
    return err instanceof PfxkitError && err.code === 'GRAPH_NOT_FOUND';
  }
}
