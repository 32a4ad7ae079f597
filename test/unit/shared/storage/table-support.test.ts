import type { TransactionAction } from '@azure/data-tables';
import {
  decodeKey,
  encodeKey,
  isLocalConnection,
  joinJson,
  partitionBatches,
  splitJson,
} from '../../../../shared/storage/table-support';

describe('the table support library', () => {
  it('treats emulator and plain-HTTP accounts as local, Azure accounts as not', () => {
    expect(isLocalConnection('UseDevelopmentStorage=true')).toBe(true);
    expect(isLocalConnection('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k')).toBe(true);
    expect(
      isLocalConnection('AccountName=a;AccountKey=k;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;'),
    ).toBe(true);
    expect(isLocalConnection('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k')).toBe(false);
  });

  it('escapes keys reversibly, leaving device ids readable', () => {
    for (const value of ["dev-1.a_b*c!(d),e:f=g@h$i'", '50%?#/\\x', 'job|3']) {
      expect(decodeKey(encodeKey(value))).toBe(value);
      expect(encodeKey(value)).not.toMatch(/[/\\#?]/);
    }
    expect(encodeKey('a%b?c')).toBe('a%25b%3Fc');
  });

  it('splits long JSON over properties and reads it back', () => {
    const value = { text: 'é'.repeat(70_000) };
    const properties = splitJson('record', value);
    expect(properties.recordParts).toBeGreaterThan(1);
    expect(joinJson('record', properties)).toEqual(value);
    expect(joinJson('other', properties)).toBeUndefined();
  });

  it('batches per partition, at most 100 operations each', () => {
    const actions = Array.from({ length: 250 }, (_, index): TransactionAction => [
      'create',
      { partitionKey: `p${index % 2}`, rowKey: String(index) },
    ]);
    const batches = partitionBatches(actions);
    expect(batches.map((batch) => batch.length).sort()).toEqual([100, 100, 25, 25]);
    for (const batch of batches) expect(new Set(batch.map((action) => action[1].partitionKey)).size).toBe(1);
  });
});
