import { changedSince, overwrittenBy, restorePatch } from '../../../../shared/jobs/core/twin-rollback';

const twin = {
  tags: { site: 'old', ring: 'b', location: { building: 43, floor: 2 } },
  desired: { fw: { version: '1.0', channel: 'stable' }, legacy: true, mode: 'x' },
};
const patch = {
  tags: { site: 'new', zone: { id: 7 }, location: { floor: 3 }, ring: { name: 'canary' } },
  properties: { desired: { fw: { version: '2.0' }, legacy: null, mode: { eco: true }, fresh: null } },
};

describe('what a twin patch overwrote', () => {
  const overwritten = overwrittenBy(patch, twin);

  it('records each leaf the patch sets, absent keys as absent, and whole values where nothing merged', () => {
    expect(overwritten).toEqual([
      { path: ['tags', 'site'], value: 'old' },
      { path: ['tags', 'zone'] },
      { path: ['tags', 'location', 'floor'], value: 2 },
      { path: ['tags', 'ring'], value: 'b' },
      { path: ['desired', 'fw', 'version'], value: '1.0' },
      { path: ['desired', 'legacy'], value: true },
      { path: ['desired', 'mode'], value: 'x' },
      { path: ['desired', 'fresh'] },
    ]);
  });

  it('restores them with one patch (null deletes what was absent)', () => {
    expect(restorePatch(overwritten)).toEqual({
      tags: { site: 'old', zone: null, location: { floor: 2 }, ring: 'b' },
      properties: { desired: { fw: { version: '1.0' }, legacy: true, mode: 'x', fresh: null } },
    });
  });

  it('finds no change on a twin holding what the patch wrote, unrelated keys aside', () => {
    const after = {
      tags: {
        site: 'new',
        zone: { id: 7 },
        ring: { name: 'canary' },
        location: { building: 43, floor: 3 },
        x: 1,
      },
      desired: { fw: { version: '2.0', channel: 'beta' }, mode: { eco: true } },
    };
    expect(changedSince(patch, overwritten, after)).toBeUndefined();
  });

  it.each([
    ['tags.zone', { zone: { id: 7, extra: 1 } }, {}],
    ['tags.location.floor', { location: { floor: 4 } }, {}],
    ['properties.desired.legacy', {}, { legacy: false }],
    ['properties.desired.fw.version', {}, { fw: {} }],
  ])('names %s when someone changed it since', (path, tags, desired) => {
    const after = {
      tags: { site: 'new', zone: { id: 7 }, ring: { name: 'canary' }, location: { floor: 3 }, ...tags },
      desired: { fw: { version: '2.0' }, mode: { eco: true }, ...desired },
    };
    expect(changedSince(patch, overwritten, after)).toBe(path);
  });
});
