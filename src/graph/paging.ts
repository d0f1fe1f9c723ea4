/** Graph's paged collections: follow `@odata.nextLink` (the whole URL) until it is absent. */
import { PfxkitError } from '../errors.js';
import type { GraphHttp } from './http.js';

/** Every item of a collection (`what` names it in messages), at most `maxPages` pages (default 1000). */
export async function listAll<T>(http: GraphHttp, path: string, what: string, maxPages = 1000): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = path;
  for (let page = 0; next; page++) {
    if (page >= maxPages) throw new PfxkitError('GRAPH_UNAVAILABLE', `listing ${what}: more than ${maxPages} pages; stopped`);
    const res: { body: { value?: T[]; '@odata.nextLink'?: string } } = await http.request('GET', next);
    if (!Array.isArray(res.body?.value)) throw new PfxkitError('GRAPH_UNAVAILABLE', `listing ${what}: the answer has no value array`);
    out.push(...res.body.value);
    next = res.body['@odata.nextLink'];
  }
  return out;
}
