/**
 * What the emulator does where Graph's docs are silent or contradict each other: rules set by
 * options, flags, or a `pfxkit probe --json` document taken on a real tenant.
 */
import { PfxkitError } from '../errors.js';

export type ActiveRule = 'newest' | 'oldest';

export interface GraphRules {
  /** Accept AES (PBES2) encrypted bundles; by default they get AADB2C90213, as B2C documents. */
  acceptAes?: boolean;
  /**
   * Which valid certificate is active: the most recent upload (the resource docs' text; the
   * default) or the oldest (the docs' own upload example).
   */
  activeRule?: ActiveRule;
  /** An upload to a Basic-auth connector: refused with 400 (default) or switching it to certificates. */
  basicUpload?: 'reject' | 'convert';
  /** Accept an upload of a certificate already listed (default true: nothing documents a refusal). */
  acceptDuplicate?: boolean;
}

/**
 * Emulator rules from a `pfxkit probe --json` document: what Graph did on a real tenant.
 *
 * @example
 * ```ts
 * const emulator = new GraphEmulator({ ...rulesFromProbe(JSON.parse(readFileSync('probe.json', 'utf8'))) });
 * ```
 */
export function rulesFromProbe(doc: unknown): Required<GraphRules> {
  const d = (doc ?? {}) as Record<string, unknown>;
  const bad = (field: string, want: string): never => {
    throw new PfxkitError('USAGE', `emulator rules: "${field}" must be ${want} (the document pfxkit probe --json prints)`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad('the document', 'a JSON object');
  if (d.activeRule === 'other') throw new PfxkitError('USAGE', 'emulator rules: activeRule "other" (Graph followed neither rule) cannot be emulated');
  if (d.activeRule !== 'newest' && d.activeRule !== 'oldest') bad('activeRule', '"newest" or "oldest"');
  if (typeof d.acceptsAes !== 'boolean') bad('acceptsAes', 'true or false');
  if (d.basicUpload !== 'reject' && d.basicUpload !== 'convert') bad('basicUpload', '"reject" or "convert"');
  if (typeof d.acceptsDuplicate !== 'boolean') bad('acceptsDuplicate', 'true or false');
  return { activeRule: d.activeRule as ActiveRule, acceptAes: d.acceptsAes as boolean, basicUpload: d.basicUpload as 'reject' | 'convert', acceptDuplicate: d.acceptsDuplicate as boolean };
}
