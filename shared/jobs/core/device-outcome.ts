import type { DeviceJobError, DeviceJobRecord, DeviceMethodResponse } from './job-model';

/** Device error codes this service writes itself (gateway errors keep their own codes). */
export const DEVICE_ERROR_CODES = {
  methodFailed: 'DeviceMethodFailed',
  deadlineExceeded: 'JobMaxExecutionTimeExceeded',
  jobFailed: 'JobFailed',
  unexpected: 'InternalServerError',
  rollbackConflict: 'RollbackConflict',
  rollbackUnavailable: 'RollbackUnavailable',
} as const;

/** The final fields of a device row, to merge into the record. */
export type DeviceResult = Pick<DeviceJobRecord, 'status' | 'outcome' | 'error' | 'overwritten'>;

/**
 * A method invocation that reached the device: `completed`, the device's answer in `outcome`, as IoT Hub counts it.
 * With `countErrorsAsFailures` (the job's extension field) a status ≥ 400 counts as `failed` instead (the device
 * refused or broke), the answer still kept so operators see what it said.
 */
export function methodResult(response: DeviceMethodResponse, countErrorsAsFailures = false): DeviceResult {
  const outcome = { deviceMethodResponse: response };
  if (countErrorsAsFailures && response.status >= 400) {
    return {
      status: 'failed',
      outcome,
      error: {
        code: DEVICE_ERROR_CODES.methodFailed,
        description: `The device answered the method with status ${response.status}.`,
      },
    };
  }
  return { status: 'completed', outcome };
}

/** A twin patch applied; `overwritten`: what it replaced (absent when not known, e.g. a step repeated after a crash). */
export function twinResult(overwritten?: DeviceJobRecord['overwritten']): DeviceResult {
  return overwritten ? { status: 'completed', overwritten } : { status: 'completed' };
}

/** A gateway failure (device offline, timeout, precondition, unknown device, …) as a device result. */
export function errorResult(error: unknown): DeviceResult {
  return { status: 'failed', error: toDeviceJobError(error) };
}

export function toDeviceJobError(error: unknown): DeviceJobError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const description = typeof message === 'string' ? message : 'The operation failed.';
    if (typeof code === 'string' && code.length > 0) return { code, description };
    return { code: DEVICE_ERROR_CODES.unexpected, description };
  }
  return { code: DEVICE_ERROR_CODES.unexpected, description: String(error) };
}
