/** parseSubject returns plain data of our own (no @peculiar/x509 type), in X.500 order. */
import { describe, expect, it } from 'vitest';
import { parseSubject } from '../../src/index.js';

describe('parseSubject', () => {
  it.each([
    { name: 'most specific first becomes X.500 order', args: 'CN=api-client, O=Contoso', want: [{ '2.5.4.10': [{ printableString: 'Contoso' }] }, { '2.5.4.3': [{ printableString: 'api-client' }] }] },
    { name: 'E is an IA5String', args: 'E=ops@contoso.com', want: [{ '1.2.840.113549.1.9.1': [{ ia5String: 'ops@contoso.com' }] }] },
    { name: 'non-printable characters make a UTF8String', args: 'CN=Zoë', want: [{ '2.5.4.3': [{ utf8String: 'Zoë' }] }] },
    { name: 'a multi-valued RDN stays one entry', args: 'CN=a+OU=b', want: [{ '2.5.4.3': [{ printableString: 'a' }], '2.5.4.11': [{ printableString: 'b' }] }] },
  ])('$name', ({ args, want }) => {
    const name = parseSubject(args);
    expect(name).toEqual(want);
    expect(JSON.parse(JSON.stringify(name))).toEqual(name); // plain data
  });

  it('refuses what it cannot read with USAGE', () => {
    expect(() => parseSubject('XX=1')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
