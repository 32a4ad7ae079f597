import type { RegisteredFunction } from '../../../packages/func-local/app/capture';
import type { FunctionCallback, RpcTypedData } from '../../../packages/func-local/app/core-api';
import { invokeRegistered } from '../../../packages/func-local/app/invoke';
import type { Invoke } from '../../../packages/func-local/durable/orchestrator-invocation';
import { programmingModel, registeredFunctions } from '../functions-core-stand-in';
import { ScenarioError } from './scenario-error';

/**
 * The function the app registered under `name` with a trigger of `triggerType`, in the local host's shape, or
 * undefined. Registrations come from the jest stand-in of `@azure/functions-core` (see functions-core-stand-in).
 */
export function findRegistered(name: string, triggerType: string): RegisteredFunction | undefined {
  const found = registeredFunctions.get(name);
  if (!found) return undefined;
  const bindings = Object.values(found.metadata.bindings);
  if (!bindings.some((binding) => binding.type.toLowerCase() === triggerType.toLowerCase())) return undefined;
  return { metadata: found.metadata, callback: found.callback as FunctionCallback };
}

/**
 * Invokes a registered function through the programming model `@azure/functions` installed, as the worker does
 * for the host: the trigger's data first, every other input binding after it (no durable client data here).
 */
export const invokeThroughModel: Invoke = (fn, data: RpcTypedData | null) => {
  const model = programmingModel.current;
  if (!model) {
    throw new ScenarioError(
      'No programming model was registered: mock @azure/functions-core with the stand-in of ' +
        'test/support/functions-core-stand-in.ts before the app module registers its functions.',
    );
  }
  const inputData: { name: string; data: RpcTypedData | null }[] = [];
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (/trigger$/i.test(binding.type)) inputData.unshift({ name, data });
    else if (binding.direction !== 'out') inputData.push({ name, data: null });
  }
  return invokeRegistered(model, fn, { inputData, triggerMetadata: {} }, () => undefined);
};
