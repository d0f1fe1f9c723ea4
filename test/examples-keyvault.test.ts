// The Key Vault examples: the Event Grid event that names a new certificate version.
import { describe, expect, it } from 'vitest';
import { certificateUrlOf } from '../examples/azure-function-rotate/rotate.js';

describe('examples/azure-function-rotate certificateUrlOf', () => {
  const id = 'https://contoso-kv.vault.azure.net/certificates/b2c-client/0123456789abcdef0123456789abcdef';
  const cases = [
    {
      name: 'a new version: its URL',
      event: {
        eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated',
        data: { Id: id, VaultName: 'contoso-kv', ObjectType: 'Certificate', ObjectName: 'b2c-client', Version: '0123456789abcdef0123456789abcdef' },
      },
      want: id,
    },
    {
      name: 'no Id: built from the vault and object names',
      event: { eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated', data: { VaultName: 'contoso-kv', ObjectName: 'b2c-client' } },
      want: 'https://contoso-kv.vault.azure.net/certificates/b2c-client',
    },
    { name: 'another event: ignored', event: { eventType: 'Microsoft.KeyVault.CertificateNearExpiry', data: { Id: id } }, want: null },
  ];
  for (const c of cases) it(c.name, () => expect(certificateUrlOf(c.event)).toBe(c.want));
});
