import * as v from 'valibot';
import { keyPath, plainObject, type SchemaProblem } from '@device-jobs/client/schemas';
import { isPlainObject } from '../iothub-rules';
import { RegistryDeviceIdSchema } from './device-identity.schema';
import { entryList } from './entry-list';

/**
 * The entries of a bulk registry call (`POST /devices`) and the lines of an import's `devices.txt`, as IoT Hub reads
 * them: the device id as `id` or `deviceId`, `importMode` in any case, an eTag where the mode matches on one. Only
 * the entries' keys are read here; the identity and twin fields are read by `IdentityInputSchema` and the twin
 * schemas when the entry is applied. Reasons end without a full stop: the answers add it.
 */

/** Bulk registry calls accept this many entries (IoT Hub: 100), so large fleets are created quickly. */
export const MAX_BULK_DEVICES = 5000;

/** The modes of a bulk registry call's entries (the SDK's addDevices, updateDevices, removeDevices). */
const BULK_IMPORT_MODES = [
  'create',
  'update',
  'updateIfMatchETag',
  'createOrUpdate',
  'delete',
  'deleteIfMatchETag',
] as const;

/** IoT Hub's import modes (`importMode` of an `ExportImportDevice` line; default `createOrUpdate`). */
const IMPORT_MODES = [
  'create',
  'update',
  'updateIfMatchETag',
  'createOrUpdate',
  'createOrUpdateIfMatchETag',
  'delete',
  'deleteIfMatchETag',
  'updateTwin',
  'updateTwinIfMatchETag',
] as const;

/** One of `modes` in any case, read as its own spelling. */
function modeIn<const TModes extends readonly string[]>(modes: TModes) {
  const byLowerCase = new Map<string, TModes[number]>(modes.map((mode) => [mode.toLowerCase(), mode]));
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, TModes[number]>(({ dataset, addIssue, NEVER }) => {
      const mode =
        typeof dataset.value === 'string' ? byLowerCase.get(dataset.value.toLowerCase()) : undefined;
      if (mode !== undefined) return mode;
      addIssue({ message: `must be one of ${modes.join(', ')}` });
      return NEVER;
    }),
  );
}

/** The raw id of an entry or line, `id` before `deviceId`. */
const rawIdOf = (entry: Record<string, unknown>): unknown => entry.id ?? entry.deviceId;

/** The valid device id of a raw entry or line, else `undefined`. */
export function validIdOf(item: unknown): string | undefined {
  const id = isPlainObject(item) ? rawIdOf(item) : undefined;
  return v.is(RegistryDeviceIdSchema, id) ? id : undefined;
}

const BulkEntrySchema = v.pipe(
  plainObject('is not an object'),
  v.transform((body): Record<string, unknown> => ({
    id: rawIdOf(body),
    importMode: body.importMode,
    eTag: typeof body.eTag === 'string' ? body.eTag : typeof body.etag === 'string' ? body.etag : undefined,
    body,
  })),
  v.object({
    id: RegistryDeviceIdSchema,
    importMode: modeIn(BULK_IMPORT_MODES),
    eTag: v.optional(v.string()),
    body: plainObject('is not an object'),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { importMode, eTag } = dataset.value;
    if (importMode.endsWith('IfMatchETag') && !eTag) {
      addIssue({ message: `${importMode} needs an eTag`, path: keyPath('importMode') });
    }
  }),
);

/**
 * The body of a bulk registry call: 1 to {@link MAX_BULK_DEVICES} entries, each device once, read in order; the
 * first bad entry fails the whole request (`Entry 3: importMode …`).
 */
export const BulkEntriesSchema = v.pipe(
  v.array(v.unknown(), 'The body of a bulk registry operation must be an array'),
  v.check(
    (entries) => entries.length >= 1 && entries.length <= MAX_BULK_DEVICES,
    (issue) => `A bulk registry operation takes 1 to ${MAX_BULK_DEVICES} devices, got ${issue.input.length}`,
  ),
  entryList(BulkEntrySchema, {
    problem: ({ field, reason }, _, index) => `Entry ${index}${field === '' ? '' : `: ${field}`} ${reason}`,
    distinct: { keyOf: validIdOf, message: (id) => `Device ${id} appears twice in the request` },
  }),
);

/** A bulk registry call's entry, read. */
export type BulkEntry = v.InferOutput<typeof BulkEntrySchema>;

const etagOf = (body: Record<string, unknown>, field: 'eTag' | 'twinETag'): string | undefined => {
  const value = body[field] ?? body[field === 'eTag' ? 'etag' : 'twinEtag'];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * An import line's object (after `JSON.parse`, which stays the reader's own): its problems' fields decide the
 * error line's code and wording ({@link importLineStatus}).
 */
export const ImportLineSchema = v.pipe(
  plainObject('not a JSON object'),
  v.transform((body): Record<string, unknown> => ({
    id: rawIdOf(body),
    moduleId: body.moduleId,
    importMode: body.importMode ?? 'createOrUpdate',
    eTag: etagOf(body, 'eTag'),
    twinETag: etagOf(body, 'twinETag'),
    body,
  })),
  v.object({
    id: RegistryDeviceIdSchema,
    moduleId: v.nullish(v.never('module identities are not supported by this registry')),
    importMode: modeIn(IMPORT_MODES),
    eTag: v.optional(v.string()),
    twinETag: v.optional(v.string()),
    body: plainObject('not a JSON object'),
  }),
  // The etag a mode matching on one needs: the twin's for updateTwinIfMatchETag, else the device's.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { importMode } = dataset.value;
    const field = importMode.startsWith('updateTwin') ? 'twinETag' : 'eTag';
    if (importMode.endsWith('IfMatchETag') && !dataset.value[field]) {
      addIssue({ message: `importMode ${importMode} needs ${field}`, path: keyPath(field) });
    }
  }),
  v.transform(({ id, importMode, body, eTag, twinETag }) => ({
    deviceId: id,
    mode: importMode,
    body,
    eTag,
    twinETag,
  })),
);

/** An import line, read. */
export type ImportLine = v.InferOutput<typeof ImportLineSchema>;

/** Fields an import line's answer names before the reason (`Line 7: importMode must be …`). */
const NAMED_LINE_FIELDS = ['id', 'importMode'];

/** The wording of an import line's problem: `Line 7: …`, or IoT Hub's `Invalid device format …` for a non-object. */
export function importLineStatus({ field, reason }: SchemaProblem, lineNumber: number): string {
  if (field === '') return `Invalid device format in line ${lineNumber}: ${reason}.`;
  return `Line ${lineNumber}: ${NAMED_LINE_FIELDS.includes(field) ? `${field} ` : ''}${reason}.`;
}
