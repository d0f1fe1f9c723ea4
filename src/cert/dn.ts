/**
 * Reading a distinguished name as users write it (RFC 4514: `CN=api-client, O=Contoso`, most
 * specific first) into attribute type OIDs and values, keeping every value exactly as written:
 * quotes, `;` and a leading `#` are ordinary characters, and `\,` `\+` `\\` `\"` ... and `\XX`
 * (UTF-8 bytes in hex) are escapes. A `,` or `+` that does not start another `TYPE=value` is
 * refused with the part named, rather than guessed at.
 */
import { PfxkitError } from '../errors.js';
import { ATTRIBUTE_NAMES } from './facts.js';

export interface DnAttribute {
  /** The attribute type's OID. */
  readonly type: string;
  readonly value: string;
}

/** Relative distinguished names in the order written (most specific first), each one or more attributes. */
export type ParsedDn = DnAttribute[][];

const OIDS: Readonly<Record<string, string>> = Object.fromEntries([
  ...Object.entries(ATTRIBUTE_NAMES).map(([oid, name]) => [name.toUpperCase(), oid]),
  ['EMAILADDRESS', '1.2.840.113549.1.9.1'],
  ['GN', '2.5.4.42'],
  ['S', '2.5.4.8'],
]);

const ATTRIBUTE_OID_CN = '2.5.4.3';
const TYPE = /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=/;
const usage = (message: string): PfxkitError => new PfxkitError('USAGE', `subject: ${message}`);

function typeOid(type: string): string {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  const oid = OIDS[type.toUpperCase()];
  if (!oid) throw usage(`unknown attribute type "${type}" (known: ${Object.values(ATTRIBUTE_NAMES).join(', ')}, or an OID)`);
  return oid;
}

/** Splits at each unescaped `,` and `+`, remembering which separator came before each piece. */
function pieces(text: string): { sep: ',' | '+' | null; text: string }[] {
  const out: { sep: ',' | '+' | null; text: string }[] = [];
  let sep: ',' | '+' | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === ',' || c === '+') {
      out.push({ sep, text: text.slice(start, i) });
      sep = c;
      start = i + 1;
    }
  }
  out.push({ sep, text: text.slice(start) });
  return out;
}

/** The value of one `TYPE=value` with its escapes undone; spaces around it dropped unless escaped. */
function unescapeValue(raw: string, part: string): string {
  const bytes: number[] = [];
  const trimmed = raw.replace(/^ +/, '').replace(/(?<!\\) +$/, '');
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = trimmed.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (trimmed[i + 1] !== undefined && ' "#+,;<=>\\'.includes(trimmed[i + 1]!)) {
      bytes.push(trimmed.charCodeAt(++i));
    } else {
      throw usage(`"${part.trim()}": a backslash must escape one of " # + , ; < = > \\ or two hex digits`);
    }
  }
  const value = new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
  if (value === '') throw usage(`"${part.trim()}" has an empty value`);
  return value;
}

/**
 * Parses a subject as written (a text without `=` is a bare common name, kept whole).
 * Fails with USAGE naming the part it cannot read.
 */
export function parseDn(subject: string): ParsedDn {
  const text = subject.replace(/^\s+/, '').replace(/(?<!\\)\s+$/, '');
  if (text === '') throw usage('the subject is empty');
  if (!TYPE.test(text)) return [[{ type: ATTRIBUTE_OID_CN, value: text }]];
  const rdns: ParsedDn = [];
  let pending = '';
  let pendingSep: ',' | '+' | null = null;
  const flush = (): void => {
    if (pending === '') return;
    const m = TYPE.exec(pending)!;
    const attr = { type: typeOid(m[1]!), value: unescapeValue(pending.slice(m[0].length), pending) };
    if (pendingSep === '+' && rdns.length > 0) rdns[rdns.length - 1]!.push(attr);
    else rdns.push([attr]);
  };
  for (const p of pieces(text)) {
    if (TYPE.test(p.text)) {
      flush();
      pending = p.text;
      pendingSep = p.sep;
    } else if (p.sep === '+' && pending !== '') {
      pending += `+${p.text}`; // a plus inside a value: `CN=C++ client`
    } else {
      throw usage(`"${p.text.trim()}" is not TYPE=value: write \\${p.sep ?? ','} for a ${p.sep === '+' ? 'plus' : 'comma'} inside a value`);
    }
  }
  flush();
  return rdns;
}
