import { stringify } from 'csv-stringify/sync';
import type { DeviceJobResponse } from '@device-jobs/client';
import { paintStatus } from './job-format';
import type { Terminal } from './terminal';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Failed or canceled devices of one error code. */
export interface FailureGroup {
  code: string;
  count: number;
  description: string;
  examples: string[];
}

const EXAMPLES = 3;

/** Failures grouped by error code, the largest group first. */
export function groupFailures(devices: readonly DeviceJobResponse[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const device of devices) {
    if (device.status !== 'failed' && device.status !== 'canceled') continue;
    const code = device.error?.code ?? (device.status === 'canceled' ? 'Canceled' : 'Unknown');
    const group = groups.get(code) ?? {
      code,
      count: 0,
      description: device.error?.description ?? '',
      examples: [],
    };
    group.count += 1;
    if (group.examples.length < EXAMPLES) group.examples.push(device.deviceId);
    groups.set(code, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

function resultOf(device: DeviceJobResponse): string {
  if (device.error) return device.error.code;
  const answer = device.outcome?.deviceMethodResponse;
  return answer ? `status ${answer.status}` : '-';
}

const CSV_COLUMNS = [
  'deviceId',
  'jobId',
  'jobType',
  'status',
  'attempts',
  'startTimeUtc',
  'endTimeUtc',
  'createdDateTimeUtc',
  'lastUpdatedDateTimeUtc',
  'methodStatus',
  'methodPayload',
  'errorCode',
  'errorDescription',
];

export function deviceResultsCsv(devices: readonly DeviceJobResponse[]): string {
  return stringify(
    devices.map((device) => [
      device.deviceId,
      device.jobId,
      device.jobType,
      device.status,
      device.attempts ?? '',
      device.startTimeUtc ?? '',
      device.endTimeUtc ?? '',
      device.createdDateTimeUtc,
      device.lastUpdatedDateTimeUtc,
      device.outcome?.deviceMethodResponse?.status ?? '',
      device.outcome?.deviceMethodResponse ? JSON.stringify(device.outcome.deviceMethodResponse.payload) : '',
      device.error?.code ?? '',
      device.error?.description ?? '',
    ]),
    { header: true, columns: CSV_COLUMNS },
  );
}

/** The per-device table, then the failures grouped by error code and a count per status. */
export function printDeviceResults(terminal: Terminal, devices: readonly DeviceJobResponse[]): void {
  const withAttempts = devices.some((device) => device.attempts !== undefined);
  terminal.table(
    ['DEVICE', 'STATUS', ...(withAttempts ? ['ATTEMPTS'] : []), 'STARTED', 'ENDED', 'RESULT'],
    devices.map((device) => [
      device.deviceId,
      paintStatus(terminal, device.status),
      ...(withAttempts ? [String(device.attempts ?? '')] : []),
      device.startTimeUtc ?? '-',
      device.endTimeUtc ?? '-',
      resultOf(device),
    ]),
  );
  const counts = new Map<string, number>();
  for (const device of devices) counts.set(device.status, (counts.get(device.status) ?? 0) + 1);
  terminal.line(
    `${devices.length} devices: ${[...counts].map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}`,
  );
  const failures = groupFailures(devices);
  if (failures.length === 0) return;
  terminal.line();
  terminal.line('Failures by error code');
  terminal.table(
    ['ERROR CODE', 'DEVICES', 'DESCRIPTION', 'EXAMPLES'],
    failures.map((group) => [
      terminal.paint('red', group.code),
      String(group.count),
      group.description,
      group.examples.join(', ') + (group.count > group.examples.length ? ', …' : ''),
    ]),
  );
}

/** Rows of any query: the union of their top-level fields as columns, objects as compact JSON. */
export function rowsAsColumns(rows: readonly unknown[]): { head: string[]; cells: string[][] } {
  const records = rows.map((row) =>
    typeof row === 'object' && row !== null && !Array.isArray(row)
      ? (row as Record<string, unknown>)
      : { value: row },
  );
  const head: string[] = [];
  for (const record of records)
    for (const key of Object.keys(record)) if (!head.includes(key)) head.push(key);
  const cell = (value: unknown) =>
    value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return { head, cells: records.map((record) => head.map((key) => cell(record[key]))) };
}
