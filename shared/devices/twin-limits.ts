import { parseOrThrow } from '@device-jobs/client/schemas';
import { argumentInvalid } from '../http';
import { TwinSectionSizeSchemas } from '../schemas/twin.schema';
import type { JsonValue } from './device-model';

/** Checks a section's size after a change was applied (400 ArgumentInvalid naming the section). */
export function checkSectionSize(values: JsonValue, section: keyof typeof TwinSectionSizeSchemas): void {
  const field = section === 'tags' ? 'tags' : `properties.${section}`;
  parseOrThrow(TwinSectionSizeSchemas[section], values, field, argumentInvalid);
}
