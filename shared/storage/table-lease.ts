import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { statusCodeOf } from './table-support';

/**
 * A lease row (`holder`, `expiresAt`) beside the resource it guards: taken or renewed by its holder, or by anyone
 * once expired, through etag-guarded writes, so two hosts never both hold it. Implements the `LeaseStore` port's
 * semantics for the job's engine lease and the schedule's firing lease.
 */
export async function takeTableLease(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  holder: string,
  expiresAt: Date,
): Promise<boolean> {
  const lease = { partitionKey, rowKey, holder, expiresAt: expiresAt.toISOString() };
  let current: TableEntityResult<{ holder?: string; expiresAt?: string }>;
  try {
    current = await client.getEntity(partitionKey, rowKey);
  } catch (error: unknown) {
    if (statusCodeOf(error) !== 404) throw error;
    return claimed(client.createEntity(lease));
  }
  const taken = current.holder !== holder && Date.parse(current.expiresAt ?? '') > Date.now();
  if (taken) return false;
  return claimed(client.updateEntity(lease, 'Replace', { etag: current.etag }));
}

/** Deletes the lease row if `holder` still has it. */
export async function releaseTableLease(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  holder: string,
): Promise<void> {
  try {
    const current = await client.getEntity<{ holder?: string }>(partitionKey, rowKey);
    if (current.holder === holder) await client.deleteEntity(partitionKey, rowKey, { etag: current.etag });
  } catch (error: unknown) {
    if (![404, 412].includes(statusCodeOf(error) ?? 0)) throw error;
  }
}

/** A lease write that lost to another writer (409 on create, 412 on replace) took nothing. */
async function claimed(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error: unknown) {
    if ([409, 412].includes(statusCodeOf(error) ?? 0)) return false;
    throw error;
  }
}
