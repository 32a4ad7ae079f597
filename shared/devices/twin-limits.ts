import { ArgumentInvalidError } from '../http';
import { sectionSizeProblem, twinSectionProblem } from '../iothub-rules';
import type { JsonObject, JsonValue } from './device-model';

/**
 * Validates a twin section (tags or desired) as a patch (`allowNull`: null deletes a key) or as a replacement,
 * returning it typed. `name` names the section in messages.
 */
export function validateTwinSection(value: unknown, name: string, allowNull: boolean): JsonObject {
  const problem = twinSectionProblem(value, name, { allowNull, keys: 'twin' });
  if (problem) throw new ArgumentInvalidError(`${problem.field} ${problem.reason}.`);
  return value as JsonObject;
}

/** Checks a section's size after a patch was applied. */
export function checkSectionSize(values: JsonValue, name: string, maxBytes: number): void {
  const problem = sectionSizeProblem(values, maxBytes);
  if (problem) throw new ArgumentInvalidError(`${name} ${problem}.`);
}
