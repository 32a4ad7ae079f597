import { JobValidationError } from '../../../../shared/jobs/core/job-errors';
import { validateTwinPatch } from '../../../../shared/jobs/core/twin-patch-validation';

function fieldOf(patch: unknown): string {
  try {
    validateTwinPatch('updateTwin', patch);
  } catch (error: unknown) {
    if (error instanceof JobValidationError) return error.field;
    throw error;
  }
  throw new Error('expected a JobValidationError');
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level += 1) value = { [`l${level}`]: value };
  return value;
}

describe('validateTwinPatch', () => {
  it('keeps tags, desired properties and a specific etag; drops SDK extras and deletions stay null', () => {
    expect(
      validateTwinPatch('updateTwin', {
        deviceId: null,
        etag: 'AAAAAAAAAAE=',
        version: 3,
        status: 'enabled',
        tags: { location: { building: '43', floor: 3 }, old: null },
        properties: { desired: { telemetryInterval: 30, modes: ['eco', 'fast'] }, reported: {} },
      }),
    ).toEqual({
      etag: 'AAAAAAAAAAE=',
      tags: { location: { building: '43', floor: 3 }, old: null },
      properties: { desired: { telemetryInterval: 30, modes: ['eco', 'fast'] } },
    });
  });

  it('treats an etag of * as no precondition', () => {
    expect(validateTwinPatch('updateTwin', { etag: '*', tags: { a: 1 } })).toEqual({ tags: { a: 1 } });
  });

  it('accepts objects nested 10 levels below desired (one → … → ten → property, the IoT Hub example)', () => {
    expect(() => validateTwinPatch('updateTwin', { properties: { desired: nested(11) } })).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['a patch that is not an object', 'tags', 'updateTwin'],
    ['a patch that changes nothing', { deviceId: null, etag: '*' }, 'updateTwin'],
    ['reported properties', { properties: { reported: { a: 1 } } }, 'updateTwin.properties.reported'],
    ['an unknown top-level field', { tagz: { a: 1 } }, 'updateTwin.tagz'],
    ['$metadata', { $metadata: {} }, 'updateTwin.$metadata'],
    ['a key with $', { tags: { $version: 1 } }, 'updateTwin.tags'],
    ['a key with a dot', { tags: { 'a.b': 1 } }, 'updateTwin.tags'],
    ['a key with a space', { properties: { desired: { 'a b': 1 } } }, 'updateTwin.properties.desired'],
    ['a nested key with a forbidden character', { tags: { ok: { 'x:y': 1 } } }, 'updateTwin.tags.ok'],
    ['a key over 1 KB', { tags: { ['k'.repeat(1025)]: 1 } }, 'updateTwin.tags'],
    ['tags that are an array', { tags: [1] }, 'updateTwin.tags'],
    ['desired that is a string', { properties: { desired: 'x' } }, 'updateTwin.properties.desired'],
    [
      'tags over 8 KB',
      { tags: { big: 'x'.repeat(4000), big2: 'x'.repeat(4000), big3: 'x'.repeat(400) } },
      'updateTwin.tags',
    ],
    [
      'desired over 32 KB',
      {
        properties: {
          desired: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'x'.repeat(4000)])),
        },
      },
      'updateTwin.properties.desired',
    ],
    ['a string value over 4 KB', { tags: { s: 'x'.repeat(4097) } }, 'updateTwin.tags.s'],
    [
      'nesting deeper than 10',
      { properties: { desired: nested(12) } },
      'updateTwin.properties.desired.l11.l10.l9.l8.l7.l6.l5.l4.l3.l2.l1',
    ],
    ['an etag that is a number', { etag: 5, tags: { a: 1 } }, 'updateTwin.etag'],
  ])('rejects %s', (_name, patch, field) => {
    expect(fieldOf(patch)).toBe(field);
  });
});
