import { readReportedPatch } from '../../../../shared/devices/real-device';
import { readTwinBody, validateDeviceId } from '../../../../shared/devices/simulated/registry-bodies';
import { checkSectionSize } from '../../../../shared/devices/twin-limits';
import { validateTwinPatch } from '../../../../shared/jobs/core/twin-patch-validation';

/** What a reader answers: its output as JSON, or the error's code and message (the API's answer). */
function answer(read: () => unknown): string {
  try {
    return JSON.stringify(read());
  } catch (error: unknown) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { [`l${level}`]: value };
  return value;
}
/** The dotted path of nested(12)'s object one level too deep. */
const TOO_DEEP = Array.from({ length: 11 }, (_, index) => `l${11 - index}`).join('.');

const KEY_RULE = "is invalid: keys hold no '.', '$', space or control character";
const ID_RULE = "must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '";
const proto = (json: string) => JSON.parse(json) as Record<string, unknown>;

describe('twin bodies (PATCH/PUT /twins/{id}, bulk registry entries, the simulated gateway)', () => {
  it.each<[string, unknown, boolean, string]>([
    ['tags not an object', { tags: [1] }, true, 'ArgumentInvalid: tags must be a JSON object.'],
    [
      'a key with a dot',
      { tags: { 'a.b': 1 } },
      true,
      `ArgumentInvalid: tags the twin key 'a.b' ${KEY_RULE}.`,
    ],
    [
      'an empty nested key',
      { tags: { a: { '': 1 } } },
      true,
      'ArgumentInvalid: tags.a a twin key may not be empty.',
    ],
    [
      'a control character',
      { tags: { 'a\u0001': 1 } },
      true,
      `ArgumentInvalid: tags the twin key 'a\u0001' ${KEY_RULE}.`,
    ],
    [
      'a key over 1 KB',
      { tags: { ['k'.repeat(1025)]: 1 } },
      true,
      'ArgumentInvalid: tags a twin key may be at most 1024 bytes.',
    ],
    [
      'a string over 4 KB',
      { tags: { a: 'x'.repeat(4097) } },
      true,
      'ArgumentInvalid: tags.a string values may be at most 4096 bytes.',
    ],
    [
      'a non-finite number in an array',
      { tags: { a: { b: [1, Number.POSITIVE_INFINITY] } } },
      true,
      'ArgumentInvalid: tags.a.b[1] must be a finite number.',
    ],
    [
      'null in a replacement',
      { tags: { a: null } },
      false,
      'ArgumentInvalid: tags.a is null: a twin cannot hold null values.',
    ],
    [
      'null in an array of a patch',
      { tags: { a: [null] } },
      true,
      'ArgumentInvalid: tags.a[0] is null: a twin cannot hold null values.',
    ],
    ['a function', { tags: { a: () => 1 } }, true, 'ArgumentInvalid: tags.a must be a JSON value.'],
    [
      'too deep',
      { tags: nested(12) },
      true,
      `ArgumentInvalid: tags.${TOO_DEEP} twin objects may be nested at most 10 levels deep.`,
    ],
    [
      '__proto__',
      { tags: proto('{"__proto__":{"x":1}}') },
      true,
      "ArgumentInvalid: tags the twin key '__proto__' is reserved.",
    ],
    [
      'nested __proto__',
      { tags: proto('{"a":{"__proto__":1}}') },
      true,
      "ArgumentInvalid: tags.a the twin key '__proto__' is reserved.",
    ],
    ['properties not an object', { properties: 'x' }, true, 'ArgumentInvalid: properties must be an object.'],
    [
      'reported properties',
      { properties: { reported: { a: 1 } } },
      true,
      'ArgumentInvalid: properties.reported belongs to the device: only tags and desired properties can be written.',
    ],
    [
      'null reported properties',
      { properties: { reported: null } },
      false,
      'ArgumentInvalid: properties.reported belongs to the device: only tags and desired properties can be written.',
    ],
    [
      '$version in desired',
      { properties: { desired: { $version: 3 } } },
      true,
      `ArgumentInvalid: properties.desired the twin key '$version' ${KEY_RULE}.`,
    ],
    [
      'tags before properties, whatever the order',
      { properties: { desired: { 'a b': 1 } }, tags: { 'c.d': 1 } },
      true,
      `ArgumentInvalid: tags the twin key 'c.d' ${KEY_RULE}.`,
    ],
    [
      'a valid patch, fields a twin carries ignored',
      {
        deviceId: 'd',
        etag: 'e',
        tags: { a: 1, constructor: 'c' },
        properties: { desired: { b: { c: [1, 'x'] }, d: null } },
      },
      true,
      '{"tags":{"a":1,"constructor":"c"},"desired":{"b":{"c":[1,"x"]},"d":null}}',
    ],
    ['null sections', { tags: null, properties: null }, false, '{}'],
    ['null desired', { properties: { desired: null } }, false, '{}'],
    ['10 levels below the section', { tags: nested(11) }, false, JSON.stringify({ tags: nested(11) })],
  ])('%s', (_case, body, allowNull, expected) => {
    expect(answer(() => readTwinBody(body as Record<string, unknown>, allowNull))).toBe(expected);
  });

  it('keeps a __proto__ key out of the output object (it is refused)', () => {
    expect(answer(() => readTwinBody({ properties: { desired: proto('{"__proto__":1}') } }, true))).toBe(
      "ArgumentInvalid: properties.desired the twin key '__proto__' is reserved.",
    );
  });
});

describe('reported patches a device sends', () => {
  it.each<[unknown, string]>([
    [[1], 'ArgumentInvalid: properties.reported must be a JSON object.'],
    [{ a: { $b: 1 } }, `ArgumentInvalid: properties.reported.a the twin key '$b' ${KEY_RULE}.`],
    [{ a: null, b: [1, { c: 'x' }] }, '{"a":null,"b":[1,{"c":"x"}]}'],
  ])('%j', (patch, expected) => {
    expect(answer(() => readReportedPatch(patch))).toBe(expected);
  });
});

describe('section sizes after a change', () => {
  it.each<[unknown, number, string | undefined]>([
    [{ a: 'é'.repeat(4090) }, 8192, undefined],
    [{ a: 'x'.repeat(9000) }, 8192, 'ArgumentInvalid: tags is 9008 bytes: the limit is 8192 bytes.'],
  ])('%#', (values, maxBytes, expected) => {
    expect(answer(() => checkSectionSize(values as never, 'tags'))).toBe(expected);
  });
});

describe("a twin job's updateTwin", () => {
  const big = { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(300) };
  it.each<[string, unknown, string]>([
    ['an array', [], 'ArgumentInvalid: updateTwin: must be a JSON object (a twin patch)'],
    ['nothing to change', {}, 'ArgumentInvalid: updateTwin: must change tags or properties.desired'],
    [
      'null sections',
      { tags: null, properties: { desired: null } },
      'ArgumentInvalid: updateTwin: must change tags or properties.desired',
    ],
    [
      'an unknown field',
      { foo: 1, tags: { a: 1 } },
      'ArgumentInvalid: updateTwin.foo: is not writable: a twin job may change only tags and properties.desired',
    ],
    [
      'the first fault in the order given (field first)',
      { foo: 1, tags: { 'a.b': 1 } },
      'ArgumentInvalid: updateTwin.foo: is not writable: a twin job may change only tags and properties.desired',
    ],
    [
      'the first fault in the order given (tags first)',
      { tags: { 'a.b': 1 }, foo: 1 },
      `ArgumentInvalid: updateTwin.tags: the twin key 'a.b' ${KEY_RULE}`,
    ],
    ['a number etag', { etag: 5, tags: { a: 1 } }, 'ArgumentInvalid: updateTwin.etag: must be a string'],
    [
      'properties not an object',
      { properties: 1 },
      'ArgumentInvalid: updateTwin.properties: must be a JSON object',
    ],
    [
      'reported properties',
      { properties: { reported: { a: 1 } } },
      'ArgumentInvalid: updateTwin.properties.reported: is not writable: only properties.desired may be changed',
    ],
    [
      'another property section',
      { properties: { desired: { a: 1 }, other: {} } },
      'ArgumentInvalid: updateTwin.properties.other: is not writable: only properties.desired may be changed',
    ],
    [
      "the jobs devguide's key rule",
      { properties: { desired: { 'a:b': 1 } } },
      "ArgumentInvalid: updateTwin.properties.desired: the twin key 'a:b' contains the forbidden character ':'",
    ],
    [
      'a non-ASCII key',
      { properties: { desired: { x: { é: 1 } } } },
      "ArgumentInvalid: updateTwin.properties.desired.x: the twin key 'é' contains the forbidden character U+00E9",
    ],
    [
      'tags over 8 KB',
      { tags: big },
      'ArgumentInvalid: updateTwin.tags: is 8322 bytes: the limit is 8192 bytes',
    ],
    [
      'null inside an array',
      { tags: { a: [null] } },
      'ArgumentInvalid: updateTwin.tags.a[0]: is null: a twin cannot hold null values',
    ],
    [
      'a whole Twin object, read-only fields ignored',
      {
        deviceId: 'd',
        status: 'enabled',
        etag: '*',
        tags: { a: null },
        properties: { reported: {}, desired: { b: 1 } },
      },
      '{"tags":{"a":null},"properties":{"desired":{"b":1}}}',
    ],
    [
      'a specific etag',
      { etag: 'AAAA', properties: { desired: { b: 1 } } },
      '{"etag":"AAAA","properties":{"desired":{"b":1}}}',
    ],
  ])('%s', (_case, value, expected) => {
    expect(answer(() => validateTwinPatch('updateTwin', value))).toBe(expected);
  });
});

describe('device ids of registry bodies', () => {
  it.each<[unknown, string | undefined, string]>([
    ['dev-1', undefined, '"dev-1"'],
    ['a b', undefined, `ArgumentInvalid: deviceId ${ID_RULE}.`],
    [5, 'Entry 3: id', `ArgumentInvalid: Entry 3: id ${ID_RULE}.`],
    ['x'.repeat(129), 'Line 2: id', `ArgumentInvalid: Line 2: id ${ID_RULE}.`],
  ])('%j', (id, where, expected) => {
    expect(answer(() => validateDeviceId(id, where))).toBe(expected);
  });
});
