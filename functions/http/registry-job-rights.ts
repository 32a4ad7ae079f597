import type { RightsRequirement } from '../../shared/http';

/** Rights of import/export jobs, as IoT Hub: reading is a registry read, creating and cancelling a registry write. */
export const REGISTRY_JOB_RIGHTS = {
  read: { anyOf: ['RegistryRead', 'RegistryWrite'] },
  write: { allOf: ['RegistryWrite'] },
} as const satisfies Record<string, RightsRequirement>;
