import {
  formatExpression,
  formatPath,
  parseCondition,
  typedComparisons,
  type ScalarType,
  type TypedComparison,
} from '../../query';
import type { JobTargetResolver } from '../core/ports';

/** Something a dry run found that would make the job do nothing, or less than the caller meant. */
export interface DryRunWarning {
  /** `NoDeviceMatches` or `TagTypeMismatch`. */
  code: string;
  message: string;
}

/** At most this many tag paths of a condition are looked up (each costs three one-row index reads). */
export const MAX_HINTED_PATHS = 8;

const PLURAL: Record<ScalarType, string> = { string: 'strings', number: 'numbers', boolean: 'booleans' };

/** The constant converted to a type the path holds, as query text (`'43'`, `43`, `true`), if it converts. */
function converted(value: string | number | boolean, held: readonly ScalarType[]): string | undefined {
  const candidates: (string | number | boolean)[] = [];
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed !== '' && Number.isFinite(Number(trimmed))) candidates.push(Number(trimmed));
    if (trimmed === 'true' || trimmed === 'false') candidates.push(trimmed === 'true');
  } else {
    candidates.push(String(value));
  }
  const fit = candidates.find((candidate) =>
    held.includes(
      typeof candidate === 'string' ? 'string' : typeof candidate === 'number' ? 'number' : 'boolean',
    ),
  );
  return fit === undefined ? undefined : formatExpression({ kind: 'literal', value: fit });
}

/** `tags.building holds strings, not numbers: try '43'.` — or undefined when the constant's type is held there. */
export function typeMismatchWarning(
  comparison: TypedComparison,
  held: readonly ScalarType[],
): DryRunWarning | undefined {
  if (held.length === 0 || held.includes(comparison.type)) return undefined;
  const path = formatPath(comparison.path);
  const holds = held.map((type) => PLURAL[type]).join(' and ');
  const suggestion = converted(comparison.value, held);
  return {
    code: 'TagTypeMismatch',
    message:
      `${path} holds ${holds}, not ${PLURAL[comparison.type]}` +
      (suggestion === undefined ? '.' : `: try ${suggestion}.`),
  };
}

/**
 * The warnings of a dry run: no device matched, and comparisons of a tag with a constant of a type no device holds
 * there (`tags.building = 43` where buildings are strings), found through the resolver's type lookup (an index, a
 * few reads per path). Without that lookup there are no type hints.
 */
export async function dryRunWarnings(
  resolver: JobTargetResolver | undefined,
  queryCondition: string | undefined,
  deviceCount: number,
): Promise<DryRunWarning[]> {
  const warnings: DryRunWarning[] = [];
  if (deviceCount === 0)
    warnings.push({
      code: 'NoDeviceMatches',
      message: 'No device matches: the job would run on no device.',
    });
  const lookup = resolver?.tagValueTypes?.bind(resolver);
  if (queryCondition === undefined || queryCondition.trim() === '*' || lookup === undefined) return warnings;
  const comparisons = typedComparisons(parseCondition(queryCondition));
  const paths = [...new Set(comparisons.map((comparison) => comparison.indexPath))].slice(
    0,
    MAX_HINTED_PATHS,
  );
  const held = new Map(
    await Promise.all(paths.map(async (path) => [path, (await lookup(path)) ?? []] as const)),
  );
  // A path also compared with a constant of a type it holds (`= 43 OR = '43'`) needs no hint.
  const fitting = new Set(
    comparisons
      .filter((comparison) => held.get(comparison.indexPath)?.includes(comparison.type))
      .map((comparison) => comparison.indexPath),
  );
  for (const comparison of comparisons) {
    if (fitting.has(comparison.indexPath)) continue;
    const warning = typeMismatchWarning(comparison, held.get(comparison.indexPath) ?? []);
    if (warning) warnings.push(warning);
  }
  return warnings;
}
