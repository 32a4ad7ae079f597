import type { FunctionMetadata, ProgrammingModel } from '../../packages/func-local/app/core-api';

/**
 * A stand-in for the worker's virtual module `@azure/functions-core`, for jest (whose module registry ignores
 * `require.cache`, so local-host's Node-level stand-in does not apply). jest.config.js maps the module name to this
 * file for the unit and integration tests, so the real `@azure/functions` registers with it: registrations land in
 * {@link registeredFunctions}, the programming model in {@link programmingModel}.
 */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, { type: string }>;
  /** The metadata exactly as `@azure/functions` registered it (binding directions included). */
  metadata: FunctionMetadata;
  callback: unknown;
}

export const registeredFunctions = new Map<string, RegisteredFunction>();

/** The programming model `@azure/functions` installed (on its first registration), to invoke functions with. */
export const programmingModel: { current?: ProgrammingModel } = {};

export function registerFunction(metadata: FunctionMetadata, callback: unknown) {
  registeredFunctions.set(metadata.name, {
    name: metadata.name,
    bindings: metadata.bindings,
    metadata,
    callback,
  });
  return { dispose: () => undefined };
}

export function setProgrammingModel(model: ProgrammingModel): void {
  programmingModel.current = model;
}

export const registerHook = () => ({ dispose: () => undefined });
export const log = () => undefined;
