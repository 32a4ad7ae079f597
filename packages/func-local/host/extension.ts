import type { AppFolder } from '../app/app-folder';
import type { CapturedApp, RegisteredFunction } from '../app/capture';
import type { BindingInfo, InvocationResponse, LogLevel, RpcTypedData } from '../app/core-api';

/** A request to the host's HTTP port, body already read. */
export interface HostHttpRequest {
  method: string;
  /** Full URL as the client addressed it (http://host:port/path?query). */
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HostHttpResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
}

export type HostLogger = (source: string, level: LogLevel, message: string) => void;

/** What the host hands to each extension when it starts. */
export interface ExtensionContext {
  folder: AppFolder;
  app: CapturedApp;
  /** The app's environment: local settings applied, real environment variables winning. */
  env: NodeJS.ProcessEnv;
  /** Connection string of AzureWebJobsStorage (Azurite's when the host started it). */
  storageConnectionString: string;
  /** Base URL of the host's HTTP port, e.g. http://localhost:7071 */
  baseUrl: string;
  /** The interface the HTTP port listens on, e.g. 127.0.0.1 or 0.0.0.0. */
  listenAddress: string;
  log: HostLogger;
  /**
   * Invokes a function: the trigger's input is given; the host adds the data of every other input binding
   * (asking the extension that owns its type), invokes through the programming model, then hands each output
   * binding's data to the extension that owns its type.
   */
  invoke(
    fn: RegisteredFunction,
    trigger: { data: RpcTypedData | null; metadata?: Record<string, RpcTypedData> },
  ): Promise<InvocationResponse>;
}

/**
 * A binding extension of the local host, like the Functions host's extensions: it claims trigger, input and
 * output binding types, runs the functions it triggers, and may serve HTTP routes. A binding type nobody claims
 * makes the host refuse to start, naming the function and the binding.
 */
export interface HostExtension {
  readonly name: string;
  readonly triggerTypes: readonly string[];
  readonly inputBindingTypes: readonly string[];
  readonly outputBindingTypes: readonly string[];
  /**
   * Checks one function's binding of a claimed type at start; throws an Error saying what is wrong.
   * Called before `start`.
   */
  validate?(
    fn: RegisteredFunction,
    bindingName: string,
    binding: BindingInfo,
    context: ExtensionContext,
  ): void;
  start(context: ExtensionContext): Promise<void>;
  /** The data of an input binding of a claimed type, for one invocation. */
  inputData?(fn: RegisteredFunction, binding: BindingInfo): Promise<RpcTypedData | null>;
  /** Stores the data a function wrote to an output binding of a claimed type. */
  writeOutput?(
    fn: RegisteredFunction,
    binding: BindingInfo,
    data: RpcTypedData | null | undefined,
  ): Promise<void>;
  /** Serves an HTTP request, or returns undefined to let the next extension try. */
  handleHttp?(request: HostHttpRequest): Promise<HostHttpResponse | undefined>;
  stop(): Promise<void>;
}
