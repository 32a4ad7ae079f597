import {
  errorResult,
  methodResult,
  toDeviceJobError,
  twinResult,
} from '../../../../shared/jobs/core/device-outcome';
import type { DeviceJobRecord, JobRecord } from '../../../../shared/jobs/core/job-model';
import { toDeviceJobResponse, toJobResponse } from '../../../../shared/jobs/core/job-response';

const stats = { deviceCount: 3, failedCount: 1, succeededCount: 1, runningCount: 1, pendingCount: 0 };

describe('toJobResponse', () => {
  const job: JobRecord = {
    jobId: 'j1',
    type: 'scheduleDeviceMethod',
    status: 'running',
    queryCondition: 'tags.floor = 3',
    createdTime: '2026-11-26T06:00:00.000Z',
    startTime: '2026-11-26T06:00:00.000Z',
    runStartedTime: '2026-11-26T06:00:01.000Z',
    maxExecutionTimeInSeconds: 3600,
    cloudToDeviceMethod: {
      methodName: 'reboot',
      payload: null,
      responseTimeoutInSeconds: 30,
      connectTimeoutInSeconds: 0,
    },
    deviceIdList: { listId: 'x', count: 1 },
    statusMessage: 'Running.',
  };

  it('answers the GA field names only, without endTime until the job ends', () => {
    const response = toJobResponse(job, stats);
    expect(Object.keys(response).sort()).toEqual(
      [
        'cloudToDeviceMethod',
        'createdTime',
        'deviceJobStatistics',
        'jobId',
        'maxExecutionTimeInSeconds',
        'queryCondition',
        'startTime',
        'status',
        'statusMessage',
        'type',
      ].sort(),
    );
    expect(response.deviceJobStatistics).toBe(stats);
  });

  it('includes endTime and failureReason once set', () => {
    const response = toJobResponse(
      { ...job, status: 'failed', endTime: '2026-11-26T07:00:01.000Z', failureReason: 'late' },
      stats,
    );
    expect(response).toMatchObject({
      status: 'failed',
      endTime: '2026-11-26T07:00:01.000Z',
      failureReason: 'late',
    });
  });
});

describe('toDeviceJobResponse', () => {
  it('answers every DeviceJob field, null when unset', () => {
    const record: DeviceJobRecord = {
      jobId: 'j1',
      deviceId: 'd1',
      jobType: 'scheduleUpdateTwin',
      shard: 0,
      status: 'pending',
      createdDateTimeUtc: '2026-11-26T06:00:00.000Z',
      lastUpdatedDateTimeUtc: '2026-11-26T06:00:00.000Z',
    };
    expect(toDeviceJobResponse(record)).toEqual({
      deviceId: 'd1',
      jobId: 'j1',
      jobType: 'scheduleUpdateTwin',
      status: 'pending',
      startTimeUtc: null,
      endTimeUtc: null,
      createdDateTimeUtc: '2026-11-26T06:00:00.000Z',
      lastUpdatedDateTimeUtc: '2026-11-26T06:00:00.000Z',
      outcome: { deviceMethodResponse: null },
      error: null,
      attempts: 0,
    });
  });
});

describe('device outcomes', () => {
  it('counts a method answered below 400 as completed with its response', () => {
    expect(methodResult({ status: 200, payload: { ok: true } })).toEqual({
      status: 'completed',
      outcome: { deviceMethodResponse: { status: 200, payload: { ok: true } } },
    });
  });

  it("counts any answer as completed by default, as IoT Hub does, keeping the device's status", () => {
    expect(methodResult({ status: 500, payload: 'boom' })).toEqual({
      status: 'completed',
      outcome: { deviceMethodResponse: { status: 500, payload: 'boom' } },
    });
  });

  it('with countMethodErrorsAsFailures counts an answer of 400 or more as failed, keeping the response', () => {
    const result = methodResult({ status: 500, payload: 'boom' }, true);
    expect(result.status).toBe('failed');
    expect(result.outcome?.deviceMethodResponse.status).toBe(500);
    expect(result.error?.code).toBe('DeviceMethodFailed');
    expect(methodResult({ status: 399, payload: null }, true).status).toBe('completed');
  });

  it('completes a twin update', () => {
    expect(twinResult()).toEqual({ status: 'completed' });
  });

  it('keeps the code of gateway errors and maps others to InternalServerError', () => {
    const offline = Object.assign(new Error('Device d1 is not online'), { code: 'DeviceNotOnline' });
    expect(errorResult(offline)).toEqual({
      status: 'failed',
      error: { code: 'DeviceNotOnline', description: 'Device d1 is not online' },
    });
    expect(toDeviceJobError(new Error('socket hang up'))).toEqual({
      code: 'InternalServerError',
      description: 'socket hang up',
    });
    expect(toDeviceJobError('weird')).toEqual({ code: 'InternalServerError', description: 'weird' });
  });
});
