import { createDevicesBulkHandler } from '../../../../../functions/http/devices-bulk.handler';
import { applyImportLines } from '../../../../../shared/devices/simulated/bulk-import';
import { EmbeddedRegistry } from '../../../../../shared/devices/simulated/embedded-registry';
import { DEVICE_ID_RULE } from '../../../../../shared/iothub-rules';
import { jsonParseError } from '../../../../support/json-parse-error';
import { answerOf, inMemoryApp, InMemoryRegistryRepository } from '../../../../support/in-memory-app';

/**
 * Bulk registry entries (`POST /devices`) and import lines (`devices.txt`) answer what they have always answered
 * for each bad entry or line (captured on the hand-written readers before they moved onto schemas).
 */

async function bulkAnswer(body: unknown): Promise<string> {
  const { composition } = inMemoryApp();
  const handler = createDevicesBulkHandler(() => composition);
  const answer = await answerOf(handler, { method: 'POST', path: '/devices', body });
  const { Message, isSuccessful } = answer.body as { Message?: string; isSuccessful?: boolean };
  return `${answer.status} ${answer.errorCode ?? ''} ${Message ?? `isSuccessful: ${String(isSuccessful)}`}`;
}

const refused = (message: string) => `400 ArgumentInvalid ErrorCode:ArgumentInvalid;${message}`;
const BULK_MODES = 'create, update, updateIfMatchETag, createOrUpdate, delete, deleteIfMatchETag';
const created = (id: string, extra: Record<string, unknown> = {}) => ({ id, importMode: 'create', ...extra });

describe('bulk registry entries (POST /devices)', () => {
  it.each<[string, unknown, string]>([
    ['an object', { id: 'd1' }, refused('The body of a bulk registry operation must be an array.')],
    ['a string', '"d1"', refused('The body of a bulk registry operation must be an array.')],
    ['no entries', [], refused('A bulk registry operation takes 1 to 5000 devices, got 0.')],
    [
      '5001 entries',
      Array.from({ length: 5001 }, (_, index) => created(`d${index}`)),
      refused('A bulk registry operation takes 1 to 5000 devices, got 5001.'),
    ],
    ['a number entry', [1], refused('Entry 0 is not an object.')],
    ['a null entry', [created('d0'), null], refused('Entry 1 is not an object.')],
    ['a list entry', [[]], refused('Entry 0 is not an object.')],
    ['no id', [{ importMode: 'create' }], refused(`Entry 0: id ${DEVICE_ID_RULE}.`)],
    ['a numeric id', [{ id: 5, importMode: 'create' }], refused(`Entry 0: id ${DEVICE_ID_RULE}.`)],
    ['an id with a space', [created('d0'), created('a b')], refused(`Entry 1: id ${DEVICE_ID_RULE}.`)],
    [
      'a null id beside a deviceId',
      [{ id: null, deviceId: 'a b' }],
      refused(`Entry 0: id ${DEVICE_ID_RULE}.`),
    ],
    ['a device twice', [created('d1'), created('d1')], refused('Device d1 appears twice in the request.')],
    [
      'a device twice by deviceId',
      [created('d1'), { deviceId: 'd1', importMode: 'delete' }],
      refused('Device d1 appears twice in the request.'),
    ],
    [
      'a device twice, the second time with a bad importMode',
      [created('d1'), { id: 'd1', importMode: 'bogus' }],
      refused('Device d1 appears twice in the request.'),
    ],
    [
      'a bad importMode before a repeated device',
      [created('d1'), { id: 'd2' }, created('d1')],
      refused(`Entry 1: importMode must be one of ${BULK_MODES}.`),
    ],
    ['no importMode', [{ id: 'd1' }], refused(`Entry 0: importMode must be one of ${BULK_MODES}.`)],
    [
      'a numeric importMode',
      [{ id: 'd1', importMode: 1 }],
      refused(`Entry 0: importMode must be one of ${BULK_MODES}.`),
    ],
    [
      'an import-only importMode',
      [{ id: 'd1', importMode: 'createOrUpdateIfMatchETag', eTag: 'x' }],
      refused(`Entry 0: importMode must be one of ${BULK_MODES}.`),
    ],
    [
      'updateIfMatchETag without an eTag',
      [{ id: 'd1', importMode: 'updateIfMatchETag' }],
      refused('Entry 0: importMode updateIfMatchETag needs an eTag.'),
    ],
    [
      'an importMode in capitals without an eTag',
      [{ id: 'd1', importMode: 'DELETEIFMATCHETAG', etag: 5 }],
      refused('Entry 0: importMode deleteIfMatchETag needs an eTag.'),
    ],
    [
      'an empty eTag beside an etag',
      [{ id: 'd1', importMode: 'updateIfMatchETag', eTag: '', etag: '"x"' }],
      refused('Entry 0: importMode updateIfMatchETag needs an eTag.'),
    ],
    [
      'a bad entry after an entry with a bad identity',
      [created('d1', { status: 'broken' }), { id: 'd2', importMode: 'nope' }],
      refused(`Entry 1: importMode must be one of ${BULK_MODES}.`),
    ],
    [
      'a bad identity',
      [created('d1', { status: 'broken' })],
      refused("status must be 'enabled' or 'disabled'."),
    ],
    [
      'entries in any case',
      [{ deviceId: 'd1', importMode: 'CREATE' }, created('d2')],
      '200  isSuccessful: true',
    ],
    [
      'a missing device to delete (a per-device outcome)',
      [{ id: 'd1', importMode: 'deleteIfMatchETag', eTag: 5, etag: '"x"' }],
      '400  isSuccessful: false',
    ],
  ])('answers %s', async (_, body, expected) => {
    expect(await bulkAnswer(body)).toBe(expected);
  });
});

const IMPORT_MODES =
  'create, update, updateIfMatchETag, createOrUpdate, createOrUpdateIfMatchETag, delete, deleteIfMatchETag, ' +
  'updateTwin, updateTwinIfMatchETag';

async function importAnswer(...texts: string[]): Promise<string> {
  const registry = new EmbeddedRegistry({
    repository: new InMemoryRegistryRepository(),
    defaultSimulation: {},
    simulationSeed: 'lines',
  });
  const lines = texts.map((text, index) => ({ number: index + 7, text }));
  return JSON.stringify(await applyImportLines(registry, lines, { jobId: 'import-1', retry: false }));
}

const line = (errorLine: { deviceId?: string; errorCode: number; errorStatus: string }) =>
  JSON.stringify([errorLine]);

describe('import lines (devices.txt)', () => {
  it.each<[string, string, string]>([
    [
      'a line that is no JSON',
      '{"id":',
      line({
        errorCode: 400012,
        errorStatus: `Invalid device format in line 7: {"id":. ${jsonParseError('{"id":')}`,
      }),
    ],
    [
      'a list',
      '[1]',
      line({ errorCode: 400012, errorStatus: 'Invalid device format in line 7: not a JSON object.' }),
    ],
    [
      'a string',
      '"d1"',
      line({ errorCode: 400012, errorStatus: 'Invalid device format in line 7: not a JSON object.' }),
    ],
    ['no id', '{}', line({ errorCode: 400012, errorStatus: `Line 7: id ${DEVICE_ID_RULE}.` })],
    [
      'a bad id',
      '{"id":"a b","moduleId":"m"}',
      line({ errorCode: 400012, errorStatus: `Line 7: id ${DEVICE_ID_RULE}.` }),
    ],
    [
      'a module',
      '{"deviceId":"d1","moduleId":"m","importMode":"bogus"}',
      line({
        deviceId: 'd1',
        errorCode: 400004,
        errorStatus: 'Line 7: module identities are not supported by this registry.',
      }),
    ],
    [
      'a bad importMode',
      '{"id":"d1","importMode":"bogus"}',
      line({
        deviceId: 'd1',
        errorCode: 400012,
        errorStatus: `Line 7: importMode must be one of ${IMPORT_MODES}.`,
      }),
    ],
    [
      'a numeric importMode',
      '{"id":"d1","importMode":2}',
      line({
        deviceId: 'd1',
        errorCode: 400012,
        errorStatus: `Line 7: importMode must be one of ${IMPORT_MODES}.`,
      }),
    ],
    [
      'updateIfMatchETag without an eTag',
      '{"id":"d1","importMode":"UpdateIfMatchETag","twinETag":"x"}',
      line({
        deviceId: 'd1',
        errorCode: 400004,
        errorStatus: 'Line 7: importMode updateIfMatchETag needs eTag.',
      }),
    ],
    [
      'createOrUpdateIfMatchETag with an empty eTag',
      '{"id":"d1","importMode":"createOrUpdateIfMatchETag","eTag":"","etag":"x"}',
      line({
        deviceId: 'd1',
        errorCode: 400004,
        errorStatus: 'Line 7: importMode createOrUpdateIfMatchETag needs eTag.',
      }),
    ],
    [
      'updateTwinIfMatchETag with an eTag only',
      '{"id":"d1","importMode":"updateTwinIfMatchETag","eTag":"x"}',
      line({
        deviceId: 'd1',
        errorCode: 400004,
        errorStatus: 'Line 7: importMode updateTwinIfMatchETag needs twinETag.',
      }),
    ],
    [
      'deleteIfMatchETag with a lower-case etag (a per-device outcome)',
      '{"id":"d1","importMode":"deleteIfMatchETag","etag":"x"}',
      line({ deviceId: 'd1', errorCode: 404001, errorStatus: 'Device d1 not registered.' }),
    ],
    ['a null moduleId and importMode', '{"id":"d1","moduleId":null,"importMode":null}', '[]'],
  ])('answers %s', async (_, text, expected) => {
    expect(await importAnswer(text)).toBe(expected);
  });

  it('answers each bad line in line order and applies the good ones', async () => {
    expect(
      await importAnswer(
        '{"id":"d1","importMode":"updateTwinIfMatchETag"}',
        '{"id":"d2","importMode":"create"}',
        '{"id":"d1","importMode":"create"}',
        'nope',
        '{"id":"d2","importMode":"create"}',
      ),
    ).toBe(
      JSON.stringify([
        {
          deviceId: 'd1',
          errorCode: 400004,
          errorStatus: 'Line 7: importMode updateTwinIfMatchETag needs twinETag.',
        },
        {
          errorCode: 400012,
          errorStatus: `Invalid device format in line 10: nope. ${jsonParseError('nope')}`,
        },
        { deviceId: 'd2', errorCode: 409001, errorStatus: "A device with ID 'd2' is already registered." },
      ]),
    );
  });
});
