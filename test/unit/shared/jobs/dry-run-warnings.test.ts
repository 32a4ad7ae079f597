import {
  dryRunWarnings,
  MAX_HINTED_PATHS,
  typeMismatchWarning,
} from '../../../../shared/jobs/service/dry-run-warnings';
import type { JobTargetResolver } from '../../../../shared/jobs/core/ports';
import { parseCondition, typedComparisons, type ScalarType } from '../../../../shared/query';

/** A resolver over a fixed map of index path → types held (what the twin index answers). */
function resolver(held: Record<string, ScalarType[]>, asked: string[] = []): JobTargetResolver {
  return {
    resolveTargetsPage: () => Promise.reject(new Error('not used')),
    tagValueTypes: (path) => {
      asked.push(path);
      return Promise.resolve(held[path] ?? []);
    },
  };
}

describe('comparisons of tags with constants', () => {
  it('finds each tag path compared with a constant, once per path and type, through AND, OR, NOT and IN', () => {
    const found = typedComparisons(
      parseCondition(
        "tags.building = 43 AND (tags.floor > -2 OR NOT tags.Building != 44) AND tags.kind IN ['a', 1, null] " +
          "AND properties.reported.x = 1 AND 3 = tags.n AND STARTSWITH(tags.s, 'x')",
      ),
    );
    expect(found.map(({ indexPath, type, value }) => [indexPath, type, value])).toEqual([
      ['tags.building', 'number', 43],
      ['tags.floor', 'number', -2],
      ['tags.kind', 'string', 'a'],
      ['tags.kind', 'number', 1],
      ['tags.n', 'number', 3],
    ]);
    expect(typedComparisons(null)).toEqual([]);
  });
});

describe('dry-run warnings', () => {
  it("hints at the type a tag holds, with the constant converted when it converts (the issue's example)", () => {
    const [comparison] = typedComparisons(parseCondition('tags.building = 43'));
    expect(comparison && typeMismatchWarning(comparison, ['string'])).toEqual({
      code: 'TagTypeMismatch',
      message: "tags.building holds strings, not numbers: try '43'.",
    });
    const [text] = typedComparisons(parseCondition("tags.active = 'true' AND tags.x = 'abc'"));
    expect(text && typeMismatchWarning(text, ['boolean'])?.message).toBe(
      'tags.active holds booleans, not strings: try true.',
    );
    const [word] = typedComparisons(parseCondition("tags.floor = 'third'"));
    expect(word && typeMismatchWarning(word, ['number', 'boolean'])?.message).toBe(
      'tags.floor holds numbers and booleans, not strings.',
    );
    expect(comparison && typeMismatchWarning(comparison, ['number'])).toBeUndefined();
    expect(comparison && typeMismatchWarning(comparison, [])).toBeUndefined();
  });

  it('warns on no device, and on a tag of another type, but not when the condition also uses a fitting type', async () => {
    const held = { 'tags.building': ['string'] as ScalarType[], 'tags.floor': ['number'] as ScalarType[] };
    await expect(dryRunWarnings(resolver(held), 'tags.building = 43 AND tags.floor = 3', 0)).resolves.toEqual(
      [
        { code: 'NoDeviceMatches', message: 'No device matches: the job would run on no device.' },
        { code: 'TagTypeMismatch', message: "tags.building holds strings, not numbers: try '43'." },
      ],
    );
    await expect(
      dryRunWarnings(resolver(held), "tags.building = 43 OR tags.building = '43'", 5),
    ).resolves.toEqual([]);
    await expect(dryRunWarnings(resolver(held), '*', 0)).resolves.toHaveLength(1);
    await expect(dryRunWarnings(undefined, 'tags.building = 43', 3)).resolves.toEqual([]);
    await expect(
      dryRunWarnings({ resolveTargetsPage: () => Promise.reject(new Error('x')) }, 'tags.building = 43', 3),
    ).resolves.toEqual([]);
  });

  it('looks up a bounded number of paths, each once', async () => {
    const asked: string[] = [];
    const condition = Array.from({ length: 12 }, (_, i) => `tags.t${i} = ${i} OR tags.t${i} = 'x'`).join(
      ' OR ',
    );
    await dryRunWarnings(resolver({}, asked), condition, 1);
    expect(asked).toHaveLength(MAX_HINTED_PATHS);
    expect(new Set(asked).size).toBe(MAX_HINTED_PATHS);
  });
});
