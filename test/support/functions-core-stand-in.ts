/**
 * A stand-in for the worker's virtual module `@azure/functions-core`, for jest (whose module registry ignores
 * `require.cache`, so local-host's Node-level stand-in does not apply). Use it as
 * `jest.mock('@azure/functions-core', () => jest.requireActual('<this file>').coreStandIn, { virtual: true })`;
 * registrations land in {@link registeredFunctions}.
 */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, { type: string }>;
  callback: unknown;
}

export const registeredFunctions = new Map<string, RegisteredFunction>();

export const coreStandIn = {
  registerFunction(
    metadata: { name: string; bindings: Record<string, { type: string }> },
    callback: unknown,
  ) {
    registeredFunctions.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, callback });
    return { dispose: () => undefined };
  },
  setProgrammingModel: () => undefined,
  registerHook: () => ({ dispose: () => undefined }),
  log: () => undefined,
};
