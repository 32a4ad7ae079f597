import { isPatchApplied } from '../../../../shared/jobs/core/twin-patch-applied';

const twin = {
  tags: { building: '43', location: { floor: 3, room: 'a' }, list: [1, 2] },
  desired: { fw: '2.0', telemetry: { interval: 30 } },
};

describe('isPatchApplied', () => {
  it.each<[string, Parameters<typeof isPatchApplied>[0], boolean]>([
    ['equal tags', { tags: { building: '43' } }, true],
    ['a nested value merged key by key', { tags: { location: { floor: 3 } } }, true],
    ['equal arrays', { tags: { list: [1, 2] } }, true],
    ['a deletion of an absent key', { tags: { gone: null } }, true],
    ['tags and desired together', { tags: { building: '43' }, properties: { desired: { fw: '2.0' } } }, true],
    ['a different value', { tags: { building: '44' } }, false],
    ['a different nested value', { properties: { desired: { telemetry: { interval: 60 } } } }, false],
    ['a deletion of a present key', { tags: { building: null } }, false],
    ['a missing key', { properties: { desired: { mode: 'eco' } } }, false],
    ['a different array', { tags: { list: [2, 1] } }, false],
    ['an object where a value is', { tags: { building: { id: '43' } } }, false],
  ])('%s → %s', (_name, patch, expected) => {
    expect(isPatchApplied(patch, twin)).toBe(expected);
  });
});
