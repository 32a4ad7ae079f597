import { Client, Registry } from 'azure-iothub';
import type {
  CloudToDeviceMethod,
  DeviceMethodResponse,
  JsonObject,
  TwinPatch,
} from '../../jobs/core/job-model';
import type {
  AppliedTwinPatch,
  JobDeviceGateway,
  TargetPage,
  ReadTwin,
  TargetPageRequest,
  TwinConditionCheck,
} from '../../jobs/core/ports';
import { twinConditionHolds } from '../twin-condition';
import { readMethodInvocation } from '../method-request';
import { usePlainHttp, type PlainHttpAgent } from './plain-http-agent';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry';
import { mapSdkError } from './sdk-errors';

export interface IotHubGatewayOptions {
  connectionString: string;
  /** Tests and local hubs only: plain HTTP to 127.0.0.1:<port> instead of HTTPS to the hub. */
  plainHttpPort?: number;
  retry?: RetryOptions;
}

/** Reads and conditional writes of one twin patch before a write racing it every time wins. */
const MAX_TWIN_WRITE_ATTEMPTS = 5;

/** Desired properties as IoT Hub reads them carry `$metadata` and `$version`; a patch never writes those. */
function withoutTwinMetadata(desired: JsonObject): JsonObject {
  const { $metadata: _metadata, $version: _version, ...values } = desired;
  return values;
}

/** IoT Hub pages twin queries by at most 100. */
const MAX_HUB_PAGE = 100;

/**
 * The gateway over a real IoT Hub through the official azure-iothub SDK: twin queries for targets, direct
 * methods through `Client.invokeDeviceMethod`, twin patches through `Registry.updateTwin`. Retries 429/503 with
 * back-off (honouring Retry-After) itself; the SDK's own retry policy is switched off so the two do not stack.
 */
export class IotHubDeviceGateway implements JobDeviceGateway {
  private readonly registry: Registry;
  private readonly client: Client;
  private readonly agents: PlainHttpAgent[] = [];
  private readonly retry: RetryOptions;

  constructor(options: IotHubGatewayOptions) {
    this.registry = Registry.fromConnectionString(options.connectionString);
    this.client = Client.fromConnectionString(options.connectionString);
    this.client.setRetryPolicy({ shouldRetry: () => false, nextRetryTimeout: () => -1 });
    if (options.plainHttpPort !== undefined) {
      this.agents.push(
        usePlainHttp(this.registry, options.plainHttpPort),
        usePlainHttp(this.client, options.plainHttpPort),
      );
    }
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  private call<T>(deviceId: string, operation: () => Promise<T>): Promise<T> {
    return withRetry(async () => {
      try {
        return await operation();
      } catch (error: unknown) {
        throw mapSdkError(error, deviceId);
      }
    }, this.retry);
  }

  async resolveTargetsPage(queryCondition: string, page: TargetPageRequest): Promise<TargetPage> {
    const condition = queryCondition.trim();
    const text = condition === '*' ? 'SELECT * FROM devices' : `SELECT * FROM devices WHERE ${condition}`;
    const query = this.registry.createQuery(text, Math.min(page.maxItems, MAX_HUB_PAGE));
    const token = page.continuation;
    // Without the token the SDK's promise form reads page 1.
    const { result } = await this.call('', () =>
      token === undefined ? query.nextAsTwin() : query.nextAsTwin(token),
    );
    const deviceIds = result.map((twin) => twin.deviceId);
    return query.hasMoreResults && query.continuationToken
      ? { deviceIds, continuation: query.continuationToken }
      : { deviceIds };
  }

  /** IoT Hub tells this service of no twin change: the condition is read at the operation's end and timeout. */
  async checkTwinCondition(deviceId: string, condition: string): Promise<TwinConditionCheck> {
    const { responseBody } = await this.call(deviceId, () => this.registry.getTwin(deviceId));
    return { holds: twinConditionHolds(condition, responseBody) };
  }

  async readTwin(deviceId: string): Promise<ReadTwin> {
    const { responseBody } = await this.call(deviceId, () => this.registry.getTwin(deviceId));
    const twin = responseBody as {
      tags?: JsonObject;
      properties?: { desired?: JsonObject };
      etag?: unknown;
    };
    return {
      tags: twin.tags ?? {},
      desired: withoutTwinMetadata(twin.properties?.desired ?? {}),
      etag: typeof twin.etag === 'string' ? twin.etag : '*',
    };
  }

  async invokeMethod(deviceId: string, method: CloudToDeviceMethod): Promise<DeviceMethodResponse> {
    const params = readMethodInvocation(method);
    const response: { result: unknown } = await this.call(deviceId, () =>
      this.client.invokeDeviceMethod(deviceId, {
        methodName: params.methodName,
        payload: params.payload,
        responseTimeoutInSeconds: params.responseTimeoutInSeconds,
        connectTimeoutInSeconds: params.connectTimeoutInSeconds,
      }),
    );
    const answer = (response.result ?? {}) as { status?: unknown; payload?: unknown };
    return {
      status: typeof answer.status === 'number' ? answer.status : 200,
      payload: answer.payload ?? null,
    };
  }

  /**
   * IoT Hub's twin update answers the twin after the patch only: what the patch overwrote (for rollback) takes a
   * read first, and the update is made at the etag read, so nothing written in between is lost unseen (a write in
   * between makes it read again). A patch with its own etag keeps it: the hub then refuses a twin that moved on.
   */
  async applyTwinPatch(deviceId: string, { etag, ...patch }: TwinPatch): Promise<AppliedTwinPatch> {
    for (let attempt = 1; ; attempt += 1) {
      const previous = await this.readTwin(deviceId);
      const ifMatch = etag === undefined || etag === '*' ? previous.etag : etag;
      try {
        const { responseBody } = await this.call(deviceId, () =>
          this.registry.updateTwin(deviceId, patch, ifMatch),
        );
        return {
          etag: String(responseBody.etag),
          version: Number((responseBody as { version?: unknown }).version),
          previous: { tags: previous.tags, desired: previous.desired },
        };
      } catch (error: unknown) {
        const moved = (error as { code?: unknown }).code === 'PreconditionFailed';
        if (!moved || ifMatch !== previous.etag || attempt >= MAX_TWIN_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** Closes pooled connections (plain-HTTP mode). */
  close(): void {
    for (const agent of this.agents) agent.destroy();
  }
}
