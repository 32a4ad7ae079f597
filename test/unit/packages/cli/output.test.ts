import { PassThrough } from 'node:stream';
import type { DeviceJobResponse, JobResponse } from '@device-jobs/client';
import { ApiError } from '@device-jobs/client';
import { describeError } from '../../../../packages/cli/errors';
import {
  deviceResultsCsv,
  groupFailures,
  printDeviceResults,
} from '../../../../packages/cli/output/device-results';
import { createJobProgressView } from '../../../../packages/cli/output/job-progress';
import { Terminal, type OutputStream } from '../../../../packages/cli/output/terminal';
import { ThroughputMeter } from '../../../../packages/cli/output/throughput';

// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b/;

function capture(tty: boolean): { stream: OutputStream; text: () => string } {
  const stream = new PassThrough() as PassThrough & OutputStream;
  stream.isTTY = tty;
  stream.columns = 200;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

function job(status: JobResponse['status'], succeeded: number, failed: number, total = 100): JobResponse {
  return {
    jobId: 'j',
    type: 'scheduleDeviceMethod',
    status,
    createdTime: '2026-12-01T00:00:00.000Z',
    startTime: '2026-12-01T00:00:00.000Z',
    maxExecutionTimeInSeconds: 3600,
    deviceJobStatistics: {
      deviceCount: total,
      succeededCount: succeeded,
      failedCount: failed,
      runningCount: 0,
      pendingCount: total - succeeded - failed,
    },
  };
}

function device(deviceId: string, status: DeviceJobResponse['status'], code?: string): DeviceJobResponse {
  return {
    deviceId,
    jobId: 'j',
    jobType: 'scheduleDeviceMethod',
    status,
    startTimeUtc: null,
    endTimeUtc: null,
    createdDateTimeUtc: '2026-12-01T00:00:00.000Z',
    lastUpdatedDateTimeUtc: '2026-12-01T00:00:00.000Z',
    outcome: { deviceMethodResponse: code ? null : { status: 200, payload: { said: 'a, "b"' } } },
    error: code ? { code, description: `${code} happened` } : null,
  };
}

describe('ThroughputMeter', () => {
  test('rate over the window and ETA of the rest', () => {
    const meter = new ThroughputMeter(10_000);
    meter.add(0, 0);
    expect(meter.rate()).toBeUndefined();
    meter.add(2_000, 40);
    expect(meter.rate()).toBe(20);
    expect(meter.eta(100)).toBe(5);
    meter.add(12_000, 40);
    meter.add(14_000, 80);
    // The window keeps the sample at 2 s (start of the last 10 s): 40 devices in 12 s.
    expect(meter.rate()).toBeCloseTo(40 / 12);
    expect(meter.eta(0)).toBe(0);
  });

  test('no ETA while nothing moves', () => {
    const meter = new ThroughputMeter();
    meter.add(0, 5);
    meter.add(1_000, 5);
    expect(meter.eta(10)).toBeUndefined();
  });
});

describe('job progress views', () => {
  test('on a terminal: a redrawn bar with colours; piped: one plain line per change', () => {
    const tty = capture(true);
    const live = createJobProgressView(new Terminal(tty.stream, tty.stream, {}), false);
    live.update(job('running', 20, 5), 0);
    live.update(job('running', 50, 10), 1_000);
    live.update(job('completed', 85, 15), 2_000);
    live.stop();
    expect(tty.text()).toMatch(ESCAPE);
    expect(tty.text()).toContain('85 ok');

    const piped = capture(false);
    const plain = createJobProgressView(new Terminal(piped.stream, piped.stream, {}), false);
    plain.update(job('running', 20, 5), 0);
    plain.update(job('running', 20, 5), 500);
    plain.update(job('running', 50, 10), 1_000);
    plain.update(job('completed', 85, 15), 2_000);
    plain.stop();
    expect(piped.text()).not.toMatch(ESCAPE);
    expect(piped.text().trim().split('\n')).toEqual([
      'running   25% succeeded 20 failed 5 running 0 pending 75 of 100, - devices/s, ETA -',
      'running   60% succeeded 50 failed 10 running 0 pending 40 of 100, 35.0 devices/s, ETA 1s',
      'completed 100% succeeded 85 failed 15 running 0 pending 0 of 100, 37.5 devices/s, done',
    ]);
  });

  test('NO_COLOR keeps a terminal free of colours', () => {
    const tty = capture(true);
    const terminal = new Terminal(tty.stream, tty.stream, { NO_COLOR: '1' });
    expect(terminal.paint('red', 'x')).toBe('x');
  });
});

describe('device results', () => {
  const devices = [
    device('d1', 'completed'),
    device('d2', 'failed', 'DeviceNotOnline'),
    device('d3', 'failed', 'GatewayTimeout'),
    device('d4', 'failed', 'DeviceNotOnline'),
    device('d5', 'canceled'),
  ];

  test('failures grouped by error code, largest first, with examples', () => {
    expect(groupFailures(devices)).toEqual([
      { code: 'DeviceNotOnline', count: 2, description: 'DeviceNotOnline happened', examples: ['d2', 'd4'] },
      { code: 'Canceled', count: 1, description: '', examples: ['d5'] },
      { code: 'GatewayTimeout', count: 1, description: 'GatewayTimeout happened', examples: ['d3'] },
    ]);
  });

  test('csv quotes what needs quoting', () => {
    const lines = deviceResultsCsv(devices).trim().split('\n');
    expect(lines[0]).toBe(
      'deviceId,jobId,jobType,status,attempts,startTimeUtc,endTimeUtc,createdDateTimeUtc,lastUpdatedDateTimeUtc,' +
        'methodStatus,methodPayload,errorCode,errorDescription',
    );
    expect(lines[1]).toBe(
      'd1,j,scheduleDeviceMethod,completed,,,,2026-12-01T00:00:00.000Z,2026-12-01T00:00:00.000Z,200,' +
        '"{""said"":""a, \\""b\\""""}",,',
    );
  });

  test('the piped table has no borders and no escape codes', () => {
    const piped = capture(false);
    printDeviceResults(new Terminal(piped.stream, piped.stream, {}), devices);
    expect(piped.text()).not.toMatch(ESCAPE);
    expect(piped.text()).toMatch(/^d2 +failed +- +- +DeviceNotOnline$/m);
    expect(piped.text()).toMatch(/^5 devices: 1 completed, 3 failed, 1 canceled$/m);
    expect(piped.text()).toMatch(/^DeviceNotOnline +2 +DeviceNotOnline happened +d2, d4$/m);
  });
});

test('describeError points at the position of a bad query', () => {
  const error = new ApiError(
    400,
    'ArgumentInvalid',
    "Syntax error at position 5: expected a value but found '='",
  );
  error.queryText = 'a = = 1';
  expect(describeError(error)).toEqual([
    "ArgumentInvalid (HTTP 400): Syntax error at position 5: expected a value but found '='",
    '  a = = 1',
    '      ^',
  ]);
});
