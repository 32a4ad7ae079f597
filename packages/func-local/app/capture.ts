import Module from 'node:module';
import type { FunctionCallback, FunctionMetadata, LogLevel, ProgrammingModel } from './core-api';

const CORE_MODULE = '@azure/functions-core';

/** A function as the app registered it: its metadata and its handler. */
export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** Everything an app registered while its entry files were loaded. */
export interface CapturedApp {
  functions: RegisteredFunction[];
  programmingModel: ProgrammingModel | undefined;
  hooks: Map<string, ((context: unknown) => unknown)[]>;
}

type SystemLogger = (level: LogLevel, category: string, message: string) => void;

interface ResolvingModule {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

/**
 * Installs a stand-in for the worker's virtual module, so that the real `@azure/functions` library registers
 * functions with us exactly as it would with the worker (without it the library silently drops registrations).
 * Returns the live capture; loading the app's entry files afterwards fills it.
 */
export function installCoreStandIn(systemLog: SystemLogger): CapturedApp {
  const captured: CapturedApp = { functions: [], programmingModel: undefined, hooks: new Map() };
  const standIn = {
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
      if (captured.functions.some((f) => f.metadata.name.toLowerCase() === metadata.name.toLowerCase())) {
        throw new Error(`A function named "${metadata.name}" is already registered.`);
      }
      captured.functions.push({ metadata, callback });
      return { dispose: () => undefined };
    },
    setProgrammingModel(model: ProgrammingModel) {
      captured.programmingModel = model;
    },
    getProgrammingModel() {
      return captured.programmingModel;
    },
    registerHook(hookName: string, callback: (context: unknown) => unknown) {
      const list = captured.hooks.get(hookName) ?? [];
      list.push(callback);
      captured.hooks.set(hookName, list);
      return { dispose: () => list.splice(list.indexOf(callback), 1) };
    },
    log: systemLog,
    Disposable: class {
      constructor(private readonly onDispose: () => void) {}
      dispose() {
        this.onDispose();
      }
    },
  };

  const moduleInternals = Module as unknown as ResolvingModule;
  const originalResolve = moduleInternals._resolveFilename.bind(Module);
  moduleInternals._resolveFilename = (request: string, ...rest: unknown[]) =>
    request === CORE_MODULE ? CORE_MODULE : originalResolve(request, ...rest);
  const cached = new Module(CORE_MODULE);
  cached.exports = standIn;
  cached.loaded = true;
  require.cache[CORE_MODULE] = cached;
  return captured;
}
