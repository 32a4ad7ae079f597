import type { TableEntityResult } from '@azure/data-tables';
import * as v from 'valibot';
import { fieldOfIssue, plainObject } from '@device-jobs/client/schemas';
import { joinJson } from './table-support';

/**
 * A row read back from a table that does not have the shape the table's mapper writes (edited by hand, written
 * by an incompatible version, truncated): it names the table, the row's keys and the field, so the row can be
 * found and repaired, instead of a wrong value travelling on and failing somewhere unrelated.
 */
export class StoredEntityError extends Error {
  override name = 'StoredEntityError';
  constructor(
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    readonly field: string,
    reason: string,
  ) {
    super(
      `Table ${table}, row PartitionKey '${partitionKey}' RowKey '${rowKey}': ${field} ${reason}. ` +
        'The row does not have the shape this version writes.',
    );
  }
}

/** What {@link parseStoredEntity} needs of a row: its keys and properties. */
export type StoredRow = TableEntityResult<Record<string, unknown>>;

/**
 * Parses a row with its table's schema. `jsonColumns` names the JSON values the mapper split over numbered
 * properties (`splitJson`): each is joined and parsed first, then checked by the schema under its own name.
 */
export function parseStoredEntity<TSchema extends v.GenericSchema>(
  table: string,
  schema: TSchema,
  entity: StoredRow,
  jsonColumns: readonly string[] = [],
): v.InferOutput<TSchema> {
  const partitionKey = entity.partitionKey ?? '';
  const rowKey = entity.rowKey ?? '';
  const fail = (field: string, reason: string) =>
    new StoredEntityError(table, partitionKey, rowKey, field, reason);
  let input: Record<string, unknown> = entity;
  if (jsonColumns.length > 0) {
    input = { ...entity };
    for (const name of jsonColumns) {
      try {
        input[name] = joinJson(name, entity);
      } catch (error: unknown) {
        throw fail(name, `is not the JSON it was written as (${(error as Error).message})`);
      }
    }
  }
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = fieldOfIssue('', issue);
  if (field === '') throw fail('the row', issue.message);
  throw fail(field, issue.input === undefined ? 'is missing' : issue.message);
}

/** Building blocks of row schemas, each saying what the column must hold. */
export const column = {
  text: () => v.string('must be a string'),
  optionalText: () => v.optional(v.string('must be a string')),
  integer: () => v.pipe(v.number('must be an integer'), v.integer('must be an integer')),
  optionalInteger: () => v.optional(v.pipe(v.number('must be an integer'), v.integer('must be an integer'))),
  oneOf: <const T extends readonly string[]>(values: T) =>
    v.picklist(values, `must be one of ${values.join(', ')}`),
  /**
   * A JSON column holding an object; its fields are the writer's (checked where they are used). Checked, not
   * copied: valibot's object schemas drop keys named `__proto__` or `constructor`, which tags and properties may hold.
   */
  object: () => plainObject('must be a JSON object'),
} as const;
