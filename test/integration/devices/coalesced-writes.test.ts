import type { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { CoalescedWrites } from '../../../shared/storage/coalesced-writes';
import { lazyTable, statusCodeOf, type LazyTable } from '../../../shared/storage/table-support';

let azurite: RunningAzurite;
let table: LazyTable;
let client: TableClient;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  table = lazyTable(azurite.connectionString, 'CoalescedWrites');
  client = await table();
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

describe('CoalescedWrites', () => {
  it('sends concurrent writes of one partition as one transaction', async () => {
    const writes = new CoalescedWrites(table);
    const submit = jest.spyOn(client, 'submitTransaction');
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          writes.write(['upsert', { partitionKey: 'p1', rowKey: `r${i}`, n: i }, 'Replace']),
        ),
      );
      expect(submit).toHaveBeenCalledTimes(1);
    } finally {
      submit.mockRestore();
    }
    const stored = [];
    for await (const entity of client.listEntities({ queryOptions: { filter: "PartitionKey eq 'p1'" } }))
      stored.push(entity);
    expect(stored).toHaveLength(30);
  });

  it('gathers writes made while its requests are out, across event-loop turns, into one transaction', async () => {
    const writes = new CoalescedWrites(table, 1);
    const upsert = client.upsertEntity.bind(client);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const single = jest.spyOn(client, 'upsertEntity').mockImplementationOnce(async (...args) => {
      await gate;
      return upsert(...args);
    });
    const submit = jest.spyOn(client, 'submitTransaction');
    try {
      const first = writes.write(['upsert', { partitionKey: 'p4', rowKey: 'first' }, 'Replace']);
      const later: Promise<string | undefined>[] = [];
      for (let i = 0; i < 50; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        later.push(writes.write(['upsert', { partitionKey: 'p4', rowKey: `r${i}` }, 'Replace']));
      }
      expect(single).toHaveBeenCalledTimes(1);
      expect(submit).not.toHaveBeenCalled();
      release();
      const etags = await Promise.all([first, ...later]);
      expect(submit.mock.calls.map(([actions]) => actions.length)).toEqual([50]);
      // Each write's own etag, from its transaction's sub-response (conditional writes of the twin index rely on it).
      const stored = await Promise.all(
        ['first', ...later.map((_, i) => `r${i}`)].map(
          async (rowKey) => (await client.getEntity('p4', rowKey)).etag,
        ),
      );
      expect(etags).toEqual(stored);
    } finally {
      single.mockRestore();
      submit.mockRestore();
    }
  });

  it('gives each write its own outcome when one of a transaction is refused', async () => {
    await client.upsertEntity({ partitionKey: 'p2', rowKey: 'a', v: 1 }, 'Replace');
    await client.upsertEntity({ partitionKey: 'p2', rowKey: 'b', v: 1 }, 'Replace');
    const current = await client.getEntity('p2', 'a');
    const writes = new CoalescedWrites(table);
    const outcomes = await Promise.allSettled([
      writes.write(['update', { partitionKey: 'p2', rowKey: 'a', v: 2 }, 'Replace', { etag: current.etag }]),
      writes.write(['update', { partitionKey: 'p2', rowKey: 'b', v: 2 }, 'Replace', { etag: 'W/"stale"' }]),
      writes.write(['upsert', { partitionKey: 'p2', rowKey: 'c', v: 2 }, 'Replace']),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = outcomes[1];
    expect(refused?.status === 'rejected' && statusCodeOf(refused.reason)).toBe(412);
    expect((await client.getEntity('p2', 'a')).v).toBe(2);
    expect((await client.getEntity('p2', 'b')).v).toBe(1);
    expect((await client.getEntity('p2', 'c')).v).toBe(2);
  });

  it('never puts one entity twice in a transaction', async () => {
    const writes = new CoalescedWrites(table);
    const submit = jest.spyOn(client, 'submitTransaction');
    try {
      await Promise.all([
        writes.write(['upsert', { partitionKey: 'p3', rowKey: 'same', v: 1 }, 'Replace']),
        writes.write(['upsert', { partitionKey: 'p3', rowKey: 'same', v: 1 }, 'Replace']),
        writes.write(['upsert', { partitionKey: 'p3', rowKey: 'other', v: 1 }, 'Replace']),
      ]);
      const sent = submit.mock.calls.map(([actions]) => actions.map((action) => action[1].rowKey));
      expect(sent).toEqual([['same', 'other']]);
    } finally {
      submit.mockRestore();
    }
    expect((await client.getEntity('p3', 'same')).v).toBe(1);
  });
});
