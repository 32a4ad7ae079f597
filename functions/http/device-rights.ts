import type { RightsRequirement } from '../../shared/http';

/** Rights of the registry's identity endpoints, as IoT Hub: reads take either registry right, writes RegistryWrite. */
export function registryRights(method: string): RightsRequirement {
  return method === 'GET' ? { anyOf: ['RegistryRead', 'RegistryWrite'] } : { allOf: ['RegistryWrite'] };
}

/** Rights of the twin endpoints, as IoT Hub: reads are registry reads or service calls, writes service calls. */
export function twinRights(method: string): RightsRequirement {
  return method === 'GET' ? { anyOf: ['RegistryRead', 'ServiceConnect'] } : { allOf: ['ServiceConnect'] };
}
