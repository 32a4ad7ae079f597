import type { JsonObject } from '../../../../shared/devices/device-model';
import { tagsExtend } from '../../../../shared/devices/twin-index';
import { evaluate, mayMatchTags, parseCondition } from '../../../../shared/query';

/** The rules that keep covering index entries exact: what a tags copy may refuse, and when a copy stays sound. */

const may = (condition: string, tags: JsonObject) => mayMatchTags(parseCondition(condition), tags);

describe('mayMatchTags', () => {
  const copy = { building: '43', floor: 5, site: { name: 'north' }, list: [1, 2], Mixed: 'a' };

  it('refuses a device only by an equality or IN that a scalar of the copy decides false', () => {
    expect(may("tags.building = '43' AND tags.floor IN [0, 1, 2, 3]", copy)).toBe(false);
    expect(may("tags.building = '43' AND tags.floor IN [4, 5]", copy)).toBe(true);
    expect(may("tags.site.name = 'south'", copy)).toBe(false);
    expect(may("'north' = tags.site.name", copy)).toBe(true);
    expect(may("tags.floor = '5'", copy)).toBe(false);
    expect(may("tags.building = '1' OR tags.floor = 5", copy)).toBe(true);
    expect(may("tags.building = '1' OR tags.floor = 6", copy)).toBe(false);
    // Names match ignoring case, as queries read them.
    expect(may("tags.BUILDING = '1'", copy)).toBe(false);
    expect(may("tags.mixed = 'b'", copy)).toBe(false);
  });

  it('leaves a device in wherever the copy cannot decide', () => {
    // Not held, or not a scalar (a later write may add the path or replace an array without a copy seeing it).
    expect(may("tags.campaign = 'x'", copy)).toBe(true);
    expect(may("tags.list = 'x'", copy)).toBe(true);
    expect(may("tags.site = 'x'", copy)).toBe(true);
    expect(may("tags.floor.level = 'x'", copy)).toBe(true);
    // Operators that are not monotone in the tags, other properties, functions: the twin decides.
    expect(may('NOT (tags.floor = 5)', copy)).toBe(true);
    expect(may('tags.floor != 5', copy)).toBe(true);
    expect(may('tags.floor NIN [5]', copy)).toBe(true);
    expect(may('tags.floor > 7', copy)).toBe(true);
    expect(may("properties.desired.x = 1 AND STARTSWITH(deviceId, 'z')", copy)).toBe(true);
    expect(may('tags.floor = tags.building', copy)).toBe(true);
    expect(mayMatchTags(null, copy)).toBe(true);
  });

  it('never refuses a twin whose tags extend the copy and satisfy the condition', () => {
    const conditions = [
      "tags.building = '43' AND tags.floor IN [0, 1, 2, 3]",
      "tags.building = '43' AND (tags.campaign = 'x' OR tags.floor = 5)",
      "tags.Campaign = 'x'",
      "tags.site.name = 'north' AND tags.site.wing = 'e'",
    ];
    const extended = [
      { ...copy, campaign: 'x' },
      { ...copy, site: { name: 'north', wing: 'e' } },
      { ...copy, floor: 2 },
    ];
    for (const tags of extended) {
      for (const condition of conditions) {
        if (!evaluate(parseCondition(condition), { tags })) continue;
        if (tagsExtend(copy, tags)) expect(may(condition, copy)).toBe(true);
      }
    }
    // The changed floor does not extend the copy: a write of it must mark the device's entries pending.
    expect(tagsExtend(copy, { ...copy, floor: 2 })).toBe(false);
  });
});

describe('tagsExtend', () => {
  const previous = { building: '43', site: { name: 'north' }, list: [1] };

  it('holds for unchanged tags and for properties added under new names', () => {
    expect(tagsExtend(previous, { ...previous })).toBe(true);
    expect(tagsExtend(previous, { ...previous, campaign: 'x' })).toBe(true);
    expect(tagsExtend(previous, { ...previous, site: { name: 'north', wing: { e: 1 } } })).toBe(true);
    expect(tagsExtend({}, { building: '1' })).toBe(true);
  });

  it('fails for a changed, removed or retyped value, and for a name new only in its case', () => {
    expect(tagsExtend(previous, { ...previous, building: '44' })).toBe(false);
    expect(tagsExtend(previous, { site: previous.site, list: [1] })).toBe(false);
    expect(tagsExtend(previous, { ...previous, site: 'north' })).toBe(false);
    expect(tagsExtend(previous, { ...previous, list: [1, 2] })).toBe(false);
    // `tags.BUILDING` would read `building` in the copy and nothing (two names) in the twin.
    expect(tagsExtend(previous, { ...previous, Building: '44' })).toBe(false);
    expect(tagsExtend(previous, { ...previous, site: { name: 'north', NAME: 'x' } })).toBe(false);
  });
});
