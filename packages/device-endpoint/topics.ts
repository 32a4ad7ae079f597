/**
 * IoT Hub's device-side MQTT topics (shared/reference: iothub-device-mqtt.md §6), read and written. A device
 * may use only these, and only with its own id.
 */

/** What a device subscribes to; anything else is refused. */
export type SubscriptionKind = 'methods' | 'twinResponses' | 'desired' | 'cloudToDevice';

/** What a device publishes. */
export type DevicePublish =
  | { kind: 'methodResponse'; status: number; requestId: string }
  | { kind: 'twinGet'; requestId: string }
  | { kind: 'reportedPatch'; requestId: string }
  | { kind: 'telemetry' };

/** IoT Hub's payload limits per publish kind (bytes). */
export const PAYLOAD_LIMITS: Record<DevicePublish['kind'], number> = {
  methodResponse: 128 * 1024,
  twinGet: 1024,
  reportedPatch: 32 * 1024,
  telemetry: 256 * 1024,
};

/** The largest MQTT packet the endpoint reads: the largest payload plus room for the topic and header. */
export const MAX_PACKET_BYTES = PAYLOAD_LIMITS.telemetry + 2048;

/** The `$rid` of `…/?$rid=…&…`, if any. */
function requestIdOf(query: string): string | undefined {
  const params = new URLSearchParams(query);
  const rid = params.get('$rid');
  return rid !== null && rid.length > 0 && rid.length <= 128 ? rid : undefined;
}

function splitQuery(topic: string): { path: string; query: string } {
  const mark = topic.indexOf('?');
  return mark < 0 ? { path: topic, query: '' } : { path: topic.slice(0, mark), query: topic.slice(mark + 1) };
}

const devicePrefix = (deviceId: string) => `devices/${deviceId}/`;

/** Which subscription a topic filter is; undefined for anything a device may not subscribe to. */
export function subscriptionKind(filter: string, deviceId: string): SubscriptionKind | undefined {
  switch (filter) {
    case '$iothub/methods/POST/#':
      return 'methods';
    case '$iothub/twin/res/#':
      return 'twinResponses';
    case '$iothub/twin/PATCH/properties/desired/#':
      return 'desired';
    case `${devicePrefix(deviceId)}messages/devicebound/#`:
      return 'cloudToDevice';
    default:
      return undefined;
  }
}

/** What a device's PUBLISH topic is; undefined for a topic that is not the device's own. */
export function devicePublishOf(topic: string, deviceId: string): DevicePublish | undefined {
  if (
    topic.startsWith(`${devicePrefix(deviceId)}messages/events/`) ||
    topic === `${devicePrefix(deviceId)}messages/events`
  ) {
    return { kind: 'telemetry' };
  }
  const { path, query } = splitQuery(topic);
  const requestId = requestIdOf(query);
  if (requestId === undefined) return undefined;
  const methodResponse = /^\$iothub\/methods\/res\/(\d{1,3})\/?$/.exec(path);
  if (methodResponse) return { kind: 'methodResponse', status: Number(methodResponse[1]), requestId };
  if (path === '$iothub/twin/GET/') return { kind: 'twinGet', requestId };
  if (path === '$iothub/twin/PATCH/properties/reported/') return { kind: 'reportedPatch', requestId };
  return undefined;
}

/** The topic of a direct method request. */
export function methodRequestTopic(methodName: string, requestId: string): string {
  return `$iothub/methods/POST/${methodName}/?$rid=${requestId}`;
}

/** The topic of a twin response (`version`: the new reported `$version` of a patch). */
export function twinResponseTopic(status: number, requestId: string, version?: number): string {
  const suffix = version === undefined ? '' : `&$version=${version}`;
  return `$iothub/twin/res/${status}/?$rid=${requestId}${suffix}`;
}

/** The topic of a desired-properties notification. */
export function desiredPatchTopic(version: number): string {
  return `$iothub/twin/PATCH/properties/desired/?$version=${version}`;
}
