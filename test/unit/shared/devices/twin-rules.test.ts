import { parseOrThrow } from '@device-jobs/client/schemas';
import type { JsonObject } from '../../../../shared/devices/device-model';
import { mergeInto, sectionOf } from '../../../../shared/devices/twin-document';
import { checkSectionSize } from '../../../../shared/devices/twin-limits';
import { argumentInvalid } from '../../../../shared/http';
import { twinSectionSchema } from '../../../../shared/schemas/twin.schema';

const validateTwinSection = (value: unknown, name: string, allowNull: boolean) =>
  parseOrThrow(twinSectionSchema({ allowNull, keys: 'twin' }), value, name, argumentInvalid);

function nested(depth: number): JsonObject {
  let value: JsonObject = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { [`l${level}`]: value };
  return value;
}

describe('twin section rules', () => {
  it.each([
    ['a key with a dot', { 'a.b': 1 }],
    ['a key with a dollar', { $a: 1 }],
    ['a key with a space', { 'a b': 1 }],
    ['a key with a control character', { 'a\u0001': 1 }],
    ['an empty key', { '': 1 }],
    ['a key over 1 KB', { ['k'.repeat(1025)]: 1 }],
    ['a string over 4 KB', { a: 'x'.repeat(4097) }],
    ['a non-finite number', { a: Number.POSITIVE_INFINITY }],
    ['objects nested more than 10 levels below the section', nested(12)],
    ['a __proto__ key', JSON.parse('{"__proto__":{"x":1}}') as JsonObject],
    ['a nested __proto__ key', JSON.parse('{"a":{"__proto__":1}}') as JsonObject],
  ])('refuses %s', (_name, value) => {
    expect(() => validateTwinSection(value, 'tags', true)).toThrow(
      expect.objectContaining({ code: 'ArgumentInvalid' }) as Error,
    );
  });

  it('accepts 10 levels below the section (desired.one…ten.property, as IoT Hub), arrays and, in patches only, nulls', () => {
    expect(validateTwinSection(nested(11), 'tags', false)).toEqual(nested(11));
    expect(validateTwinSection({ a: [1, 'two', { three: 3 }] }, 'desired', false)).toBeDefined();
    expect(validateTwinSection({ a: null }, 'tags', true)).toEqual({ a: null });
    expect(() => validateTwinSection({ a: null }, 'tags', false)).toThrow(/null/);
    expect(() => validateTwinSection([1], 'tags', true)).toThrow(/object/);
  });

  it('measures section size in UTF-8 bytes', () => {
    expect(() => checkSectionSize({ a: 'é'.repeat(4090) }, 'tags')).not.toThrow();
    expect(() =>
      checkSectionSize({ a: 'x'.repeat(4000), b: 'y'.repeat(4000), c: 'z'.repeat(300) }, 'tags'),
    ).toThrow(/limit is 8192 bytes/);
  });
});

describe('merge patches', () => {
  it('merges nested objects, deletes on null, replaces non-objects and stamps metadata on touched nodes only', () => {
    const section = sectionOf({ a: { b: 1, c: 2 }, d: 'x', keep: true }, 1, 't0', true);
    mergeInto(
      section.values,
      section.metadata,
      { a: { b: null, e: { f: 3, g: null } }, d: { now: 'object' } },
      't1',
      2,
    );
    expect(section.values).toEqual({ a: { c: 2, e: { f: 3 } }, d: { now: 'object' }, keep: true });
    expect(section.metadata).toMatchObject({
      $lastUpdated: 't1',
      $lastUpdatedVersion: 2,
      a: { $lastUpdated: 't1', c: { $lastUpdated: 't0' }, e: { f: { $lastUpdated: 't1' } } },
      keep: { $lastUpdated: 't0', $lastUpdatedVersion: 1 },
    });
    expect(section.metadata.a).not.toHaveProperty('b');
  });
});

describe('twin keys named like Object.prototype members', () => {
  it('are ordinary keys: stored, merged and deleted as own properties', () => {
    const values: JsonObject = {};
    const metadata = {};
    const patch = validateTwinSection({ constructor: 'c', toString: { valueOf: 1 } }, 'tags', true);
    mergeInto(values, metadata, patch, '2026-01-01T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(values))).toEqual({ constructor: 'c', toString: { valueOf: 1 } });
    mergeInto(values, metadata, { toString: { hasOwnProperty: 2 } }, '2026-01-02T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(values))).toEqual({
      constructor: 'c',
      toString: { valueOf: 1, hasOwnProperty: 2 },
    });
    mergeInto(values, metadata, { constructor: null }, '2026-01-03T00:00:00.000Z');
    expect(Object.keys(values)).toEqual(['toString']);
  });
});
