import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppFolder } from '../app/app-folder';
import type { CapturedApp, RegisteredFunction } from '../app/capture';
import type { BindingInfo, InvocationResponse, RpcTypedData } from '../app/core-api';
import { AppHooks } from '../app/app-hooks';
import { responseLogger } from './response-log';
import { invokeRegistered } from '../app/invoke';
import { FunctionTimeoutError, withFunctionTimeout } from './function-timeout';
import { DRAIN_TIMEOUT_MS, InFlight } from './in-flight';
import type {
  ExtensionContext,
  HostExtension,
  HostHttpRequest,
  HostHttpResponse,
  HostLogger,
} from './extension';

export interface FunctionHostOptions {
  folder: AppFolder;
  app: CapturedApp;
  extensions: HostExtension[];
  env: NodeJS.ProcessEnv;
  storageConnectionString: string;
  port: number;
  /** The interface to listen on, e.g. 127.0.0.1. */
  hostname: string;
  /** host.json functionTimeout in milliseconds; undefined for none. */
  functionTimeoutMs: number | undefined;
  log: HostLogger;
  /** Largest request body read (default Azure's 100 MB); tests lower it. */
  maxRequestBytes?: number;
  /** A file every HTTP answer is appended to as a JSON line (`FUNC_LOCAL_RESPONSE_LOG`), for test tooling. */
  responseLog?: string;
}

export class HostStartError extends Error {
  override name = 'HostStartError';
}

const isTrigger = (type: string) => /trigger$/i.test(type);

/**
 * Runs a captured app: validates that every binding is claimed by an extension, starts the extensions and the
 * HTTP listener, and routes invocations and HTTP requests to them.
 */
export class FunctionHost {
  private server: http.Server | undefined;
  private context: ExtensionContext | undefined;
  private started: HostExtension[] = [];
  private readonly hooks: AppHooks;
  /** Requests being answered, so that stopping lets their responses finish before closing connections. */
  private readonly responses = new InFlight();
  private appStarted = false;

  private readonly logResponse: ReturnType<typeof responseLogger>;

  constructor(private readonly options: FunctionHostOptions) {
    this.logResponse = responseLogger(options.responseLog);
    this.hooks = new AppHooks(options.app.hooks);
  }

  /** Starts everything; resolves with the base URL once the port listens. */
  async start(): Promise<string> {
    const { options } = this;
    const server = http.createServer((req, res) => void this.responses.track(this.serve(req, res)));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new HostStartError(`Port ${options.port} is already in use: stop what uses it, or pass --port.`)
            : error,
        ),
      );
      server.listen(options.port, options.hostname, () => resolve());
    });
    const baseUrl = `http://${urlHost(options.hostname)}:${(server.address() as AddressInfo).port}`;
    const context: ExtensionContext = {
      folder: options.folder,
      app: options.app,
      env: options.env,
      storageConnectionString: options.storageConnectionString,
      baseUrl,
      listenAddress: options.hostname,
      log: options.log,
      invoke: (fn, trigger) => this.invoke(fn, trigger),
    };
    this.context = context;
    try {
      this.validateBindings(context);
      await this.hooks.run('appStart', { functionAppDirectory: options.folder.root });
      this.appStarted = true;
      for (const extension of options.extensions) {
        await extension.start(context);
        this.started.push(extension);
      }
    } catch (error: unknown) {
      await this.stop();
      throw error;
    }
    return baseUrl;
  }

  async stop(): Promise<void> {
    for (const extension of this.started.reverse()) {
      try {
        await extension.stop();
      } catch (error: unknown) {
        this.options.log('host', 'error', `Stopping ${extension.name} failed: ${String(error)}`);
      }
    }
    this.started = [];
    if (this.appStarted) {
      this.appStarted = false;
      try {
        await this.hooks.run('appTerminate', {});
      } catch (error: unknown) {
        this.options.log('host', 'error', `An appTerminate hook failed: ${String(error)}`);
      }
    }
    const server = this.server;
    this.server = undefined;
    if (server) {
      await this.responses.drain(DRAIN_TIMEOUT_MS);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private owner(type: string, role: 'trigger' | 'input' | 'output'): HostExtension | undefined {
    const lower = type.toLowerCase();
    return this.options.extensions.find((extension) => {
      const types =
        role === 'trigger'
          ? extension.triggerTypes
          : role === 'input'
            ? extension.inputBindingTypes
            : extension.outputBindingTypes;
      return types.some((t) => t.toLowerCase() === lower);
    });
  }

  private roleOf(binding: BindingInfo): 'trigger' | 'input' | 'output' {
    if (isTrigger(binding.type)) return 'trigger';
    return binding.direction === 'out' ? 'output' : 'input';
  }

  private validateBindings(context: ExtensionContext): void {
    for (const fn of this.options.app.functions) {
      for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
        const role = this.roleOf(binding);
        const extension = this.owner(binding.type, role);
        if (!extension) {
          throw new HostStartError(
            `Function "${fn.metadata.name}": the ${role} binding "${name}" of type "${binding.type}" ` +
              'is not supported by the local host.',
          );
        }
        extension.validate?.(fn, name, binding, context);
      }
    }
  }

  private async invoke(
    fn: RegisteredFunction,
    trigger: { data: RpcTypedData | null; metadata?: Record<string, RpcTypedData> },
  ): Promise<InvocationResponse> {
    const { programmingModel } = this.options.app;
    if (!programmingModel) throw new Error('No programming model was registered.');
    const inputData: { name: string; data: RpcTypedData | null }[] = [];
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      const role = this.roleOf(binding);
      if (role === 'trigger') inputData.unshift({ name, data: trigger.data });
      else if (role === 'input') {
        const data = (await this.owner(binding.type, 'input')?.inputData?.(fn, binding)) ?? null;
        inputData.push({ name, data });
      }
    }
    const invocation = invokeRegistered(
      programmingModel,
      fn,
      { inputData, triggerMetadata: trigger.metadata ?? {} },
      (source, level, message) => this.options.log(source, level, message),
      this.hooks,
    );
    const response = await withFunctionTimeout(
      invocation,
      fn.metadata.name,
      this.options.functionTimeoutMs,
    ).catch((error: unknown) => {
      if (error instanceof FunctionTimeoutError) {
        this.options.log(
          'host',
          'error',
          `${error.message}. The local host cannot stop it: it runs on in the background, its result ignored ` +
            '(Azure recycles the worker instead).',
        );
      }
      throw error;
    });
    for (const output of response.outputData ?? []) {
      const binding = fn.metadata.bindings[output.name];
      if (binding) await this.owner(binding.type, 'output')?.writeOutput?.(fn, binding, output.data);
    }
    return response;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let response: HostHttpResponse;
    try {
      const request = await readRequest(req, this.options.maxRequestBytes ?? MAX_REQUEST_BYTES);
      if (request === 'too-large') {
        // The rest of the body is never read: the connection closes once the answer is out.
        res.writeHead(413, { connection: 'close', 'content-type': 'text/plain; charset=utf-8' });
        res.end('Request body too large: the limit is 100 MB (104,857,600 bytes).', () => req.destroy());
        return;
      }
      response = (await this.route(request)) ?? { status: 404, body: '' };
    } catch (error: unknown) {
      this.options.log('host', 'error', `HTTP ${req.method ?? ''} ${req.url ?? ''} failed: ${String(error)}`);
      response = { status: 500, body: '' };
    }
    this.logResponse?.(req.method ?? '', req.url ?? '', response);
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  }

  private async route(request: HostHttpRequest): Promise<HostHttpResponse | undefined> {
    for (const extension of this.started) {
      const response = await extension.handleHttp?.(request);
      if (response) return response;
    }
    return undefined;
  }
}

/** The host part of the base URL: `localhost` for the loopback and wildcard addresses, IPv6 in brackets. */
function urlHost(hostname: string): string {
  if (['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(hostname)) return 'localhost';
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}

/**
 * Azure's limit on an HTTP request's length: 100 MB (104,857,600 bytes), answered before any function runs
 * (azure-docs `functions-bindings-http-webhook-trigger.md`, "Limits").
 */
export const MAX_REQUEST_BYTES = 104_857_600;

/** Reads a request, or answers 'too-large' as soon as its declared or received length passes `maxBytes`. */
async function readRequest(
  req: http.IncomingMessage,
  maxBytes: number,
): Promise<HostHttpRequest | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return 'too-large';
  const body = await new Promise<Buffer | 'too-large'>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop reading (an async iterator would destroy the socket before the 413 could be written).
      req.off('data', onData);
      req.pause();
      resolve('too-large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
  if (body === 'too-large') return body;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const host = headers.host ?? 'localhost';
  return {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', `http://${host}`),
    headers,
    body,
  };
}
