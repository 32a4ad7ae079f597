import { argumentInvalid } from '../../http';
import { parseOrThrow } from '@device-jobs/client/schemas';
import {
  SimulationProfileSchema,
  type SimulatedMethodAnswer,
  type SimulationProfile,
} from '../../schemas/simulation-profile.schema';

export type { SimulatedMethodAnswer, SimulationProfile };

/** Validates a simulation profile; `where` names it in the 400 ArgumentInvalid message. */
export function parseSimulationProfile(value: unknown, where = 'simulation'): SimulationProfile {
  return parseOrThrow(SimulationProfileSchema, value, where, argumentInvalid);
}
