import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { samplePolicy, type DeviceHost } from '../devices/device-host';
import { ESCAPE, runCli, startCliHost, type CliResult } from './cli-runner';

jest.setTimeout(30_000);

/** The development policy mid-rotation: its published key is the primary, a second key signs too. */
const SECONDARY_KEY = Buffer.alloc(32, 0x5e).toString('base64');

let running: DeviceHost;
let cli: (...args: string[]) => Promise<CliResult>;
const outputs: CliResult[] = [];

const run = async (...args: string[]) => {
  const result = await cli(...args);
  outputs.push(result);
  return result;
};

beforeAll(async () => {
  ({ running, cli } = await startCliHost({
    // Two devices in flight (the setting's names before and after issue 10), so that slow devices leave others
    // unstarted at a short deadline.
    JOB_SHARDS_IN_FLIGHT: '1',
    JOB_DEVICES_IN_FLIGHT_PER_SHARD: '2',
    JOB_MAX_DEVICES_IN_FLIGHT: '2',
    JOBS_ACCESS_POLICIES: JSON.stringify([
      {
        name: 'iothubowner',
        primaryKey: samplePolicy().key,
        secondaryKey: SECONDARY_KEY,
        rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
      },
    ]),
  }));
}, 120_000);

afterAll(async () => {
  await running?.host.stop();
});

describe('device-jobs against the local host', () => {
  test('signs with the secondary key of a policy being rotated (the other tests sign with the primary)', async () => {
    const listed = await runCli(['job', 'list', '--json'], {
      DEVICE_JOBS_CONNECTION_STRING: `HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=${SECONDARY_KEY}`,
      DEVICE_JOBS_URL: running.host.baseUrl,
    });
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('devices seed creates a fleet through the bulk API and counts ids that exist', async () => {
    const healthy = await run(
      'devices',
      'seed',
      '--count',
      '20',
      '--prefix',
      'ok-',
      '--batch',
      '7',
      '--tags',
      '{"ring":"cli"}',
      '--simulation',
      '{"latencyMs":[1,5]}',
    );
    expect(healthy).toMatchObject({ code: 0, stderr: '' });
    expect(healthy.stdout).toMatch(/^Created 20 devices \(0 existed already\)/);
    const failing = await run(
      'devices',
      'seed',
      '--count',
      '5',
      '--prefix',
      'bad-',
      '--tags',
      '{"ring":"cli"}',
      '--simulation',
      '{"failureRate":1}',
    );
    expect(failing.stdout).toMatch(/^Created 5 devices/);
    const slow = await run(
      'devices',
      'seed',
      '--count',
      '6',
      '--prefix',
      'slow-',
      '--tags',
      '{"ring":"slow"}',
      '--simulation',
      '{"latencyMs":2500}',
    );
    expect(slow.stdout).toMatch(/^Created 6 devices/);
    const again = await run('devices', 'seed', '--count', '20', '--prefix', 'ok-');
    expect(again.stdout).toMatch(/^Created 0 devices \(20 existed already\)/);
  });

  test('devices query follows every page, in json, csv and table form', async () => {
    const query = "SELECT * FROM devices WHERE tags.ring = 'cli'";
    const json = await run('--page-size', '4', 'devices', 'query', query, '--format', 'json');
    expect(json.code).toBe(0);
    const twins = JSON.parse(json.stdout) as { deviceId: string }[];
    expect(twins.map((twin) => twin.deviceId).sort()).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `bad-0000${i}`),
      ...Array.from({ length: 20 }, (_, i) => `ok-${String(i).padStart(5, '0')}`),
    ]);
    const csv = await run('--page-size', '4', 'devices', 'query', query, '--format', 'csv');
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(26);
    expect(lines[0]).toMatch(/^deviceId,/);
    const table = await run('devices', 'query', query);
    expect(table.stdout).toMatch(/^deviceId\s+status\s+connectionState\s+kind\s+lastActivityTime\s+tags$/m);
    expect(table.stdout).toMatch(/^25 rows$/m);
  });

  test('create --watch follows a job to its end; devices shows results with failures grouped by code', async () => {
    const created = await run(
      'job',
      'create',
      'cli-reboot',
      '--method',
      'reboot',
      '--payload',
      '{"delay":1}',
      '--query',
      "tags.ring = 'cli'",
      '--watch',
      '--interval',
      '0.2',
    );
    expect(created.stderr).toBe('');
    // Completed, but 5 devices failed: 4, so that a script's `$? -eq 0` means every device succeeded.
    expect(created.code).toBe(4);
    expect(created.stdout).toMatch(/^Created cli-reboot \((queued|running)\)\.$/m);
    expect(created.stdout).toMatch(
      /^completed 100% succeeded 20 failed 5 running 0 pending 0 of 25, [\d.-]+ devices\/s, done$/m,
    );
    expect(created.stdout).toMatch(/^Status +completed \(Completed\.\)$/m);

    const failed = await run('job', 'devices', 'cli-reboot', '--status', 'failed');
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(/^5 devices: 5 failed$/m);
    expect(failed.stdout).toMatch(/^Failures by error code$/m);
    expect(failed.stdout).toMatch(
      /^DeviceMethodFailed +5 +The device answered the method with status 500\. +bad-00000, bad-00001, bad-00002, …$/m,
    );

    const csv = await run('job', 'devices', 'cli-reboot', '--format', 'csv');
    const rows = csv.stdout.trim().split('\n');
    expect(rows).toHaveLength(26);
    expect(rows.filter((row) => row.includes(',completed,'))).toHaveLength(20);
    expect(rows.find((row) => row.startsWith('bad-00004,'))).toContain(',500,');

    const json = await run('--page-size', '3', 'job', 'devices', 'cli-reboot', '--format', 'json');
    expect(JSON.parse(json.stdout)).toHaveLength(25);

    const shown = await run('job', 'show', 'cli-reboot', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      jobId: 'cli-reboot',
      status: 'completed',
      cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: 1 } },
      deviceJobStatistics: { deviceCount: 25, succeededCount: 20, failedCount: 5 },
    });
  });

  test('dry run: count, sample and estimate; nothing is created', async () => {
    const args = ['job', 'create', 'cli-dry', '--method', 'reboot', '--query', "tags.ring = 'cli'"];
    const human = await run(...args, '--max-per-minute', '600', '--dry-run');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Dry run of cli-dry: nothing was created\.$/m);
    expect(human.stdout).toMatch(/^Devices +25$/m);
    expect(human.stdout).toMatch(/^Estimate +\d+s$/m);
    expect(human.stdout).not.toMatch(/^Warning/m);
    const json = await run(...args, '--dry-run', '--json');
    const dryRun = JSON.parse(json.stdout) as { deviceCount: number; sampleDeviceIds: string[] };
    expect(dryRun).toMatchObject({ jobId: 'cli-dry', deviceCount: 25 });
    expect(dryRun.sampleDeviceIds).toHaveLength(10);
    expect(await run('job', 'show', 'cli-dry')).toMatchObject({ code: 3 });

    // `ring` holds strings: a number finds nothing, and the dry run says so and what to try.
    const typoArgs = [
      'job',
      'create',
      'cli-dry',
      '--method',
      'reboot',
      '--query',
      'tags.ring = 5',
      '--dry-run',
    ];
    const typo = await run(...typoArgs);
    expect(typo.code).toBe(0);
    expect(typo.stdout).toMatch(/^Devices +0$/m);
    expect(typo.stdout).not.toMatch(/^Sample/m);
    expect(typo.stdout).toMatch(/^Warning +No device matches: the job would run on no device\.$/m);
    expect(typo.stdout).toMatch(/^Warning +tags\.ring holds strings, not numbers: try '5'\.$/m);
    const typoJson = await run(...typoArgs, '--json');
    expect(
      (JSON.parse(typoJson.stdout) as { warnings: { code: string }[] }).warnings.map((w) => w.code),
    ).toEqual(['NoDeviceMatches', 'TagTypeMismatch']);
  });

  test('rerun the failed devices of an ended job (the parent is echoed); nothing to rerun is a 400', async () => {
    const rerun = await run(
      'job',
      'rerun',
      'cli-reboot',
      '--new-id',
      'cli-reboot-again',
      '--statuses',
      'failed',
      '--watch',
      '--interval',
      '0.2',
    );
    expect(rerun.stderr).toBe('');
    // Every rerun device failed again: the job completed, the exit code says not every device succeeded.
    expect(rerun.code).toBe(4);
    expect(rerun.stdout).toMatch(/^completed 100% succeeded 0 failed 5 running 0 pending 0 of 5, /m);
    expect(rerun.stdout).toMatch(/^Rerun of +cli-reboot$/m);
    const nothing = await run('job', 'rerun', 'cli-reboot', '--new-id', 'cli-none', '--statuses', 'canceled');
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toMatch(/^error: ArgumentInvalid \(HTTP 400\)/);
  });

  test('rollout, retry and abort flags map to the job API fields, which the job echoes', async () => {
    const created = await run(
      'job',
      'create',
      'cli-controls',
      '--method',
      'reboot',
      '--query',
      "tags.ring = 'cli'",
      '--start',
      '+1h',
      '--max-per-minute',
      '6000',
      '--ramp-base-rate',
      '60',
      '--ramp-factor',
      '2',
      '--ramp-every',
      '10',
      '--max-concurrency',
      '1',
      '--retries',
      '1',
      '--retry-on',
      'failed',
      '--abort-failed-percent',
      '50',
      '--abort-min-executed',
      '2',
      '--abort-on',
      'failed',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^Controls +at most 6000 devices a minute, at most 1 at once, starting at 60 a minute, ×2 each time 10 more succeeded$/m,
    );
    expect(created.stdout).toMatch(
      /^Controls +abort when 50% of at least 2 executed devices failed \(failed\)$/m,
    );
    expect(created.stdout).toMatch(/^Controls +retry 1 time\(s\) on failed failures$/m);
    const shown = JSON.parse((await run('job', 'show', 'cli-controls', '--json')).stdout) as Record<
      string,
      unknown
    >;
    expect(shown).toMatchObject({
      status: 'scheduled',
      rolloutConfig: {
        maximumPerMinute: 6000,
        maxConcurrency: 1,
        exponentialRate: {
          baseRatePerMinute: 60,
          incrementFactor: 2,
          rateIncreaseCriteria: { numberOfSucceededDevices: 10 },
        },
      },
      retryConfig: { criteriaList: [{ failureType: 'failed', numberOfRetries: 1 }] },
      abortConfig: {
        criteriaList: [
          { failureType: 'failed', action: 'cancel', thresholdPercentage: 50, minNumberOfExecutedDevices: 2 },
        ],
      },
    });
    expect((await run('job', 'cancel', 'cli-controls')).code).toBe(0);
    const invalid = await run(
      'job',
      'create',
      'cli-x',
      '--method',
      'm',
      '--query',
      '*',
      '--max-concurrency',
      '10001',
    );
    // The contract's schema refuses it before anything is sent, in the service's words.
    expect([invalid.code, invalid.stderr]).toEqual([
      3,
      'error: rolloutConfig.maxConcurrency: must be an integer from 1 to 10000 (nothing was sent)\n',
    ]);
  });

  test('twin patch by an ids file; list filters by status and type', async () => {
    const file = path.join(os.tmpdir(), `cli-ids-${process.pid}.txt`);
    fs.writeFileSync(file, 'ok-00000\n# a comment\nok-00001, ok-00002\n');
    const created = await run(
      'job',
      'create',
      'cli-twin',
      '--twin-patch',
      '{"tags":{"patched":true}}',
      '--device-ids-file',
      file,
      '--watch',
      '--json',
      '--interval',
      '0.2',
    );
    fs.rmSync(file);
    expect(created.code).toBe(0);
    const states = created.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string });
    expect(states.at(-1)).toMatchObject({ status: 'completed', deviceJobStatistics: { succeededCount: 3 } });
    const twins = await run(
      'devices',
      'query',
      'SELECT deviceId FROM devices WHERE tags.patched = true',
      '--format',
      'json',
    );
    expect(JSON.parse(twins.stdout)).toHaveLength(3);

    const list = await run('--page-size', '1', 'job', 'list', '--type', 'scheduleUpdateTwin', '--json');
    expect((JSON.parse(list.stdout) as { jobId: string }[]).map((job) => job.jobId)).toEqual(['cli-twin']);
    // Newest first: the twin job was created after the reboot and its rerun.
    const all = JSON.parse((await run('job', 'list', '--json')).stdout) as {
      jobId: string;
      createdTime: string;
    }[];
    const createdTimes = all.map((job) => Date.parse(job.createdTime));
    expect(createdTimes).toEqual([...createdTimes].sort((a, b) => b - a));
    expect(all.map((job) => job.jobId).indexOf('cli-twin')).toBeLessThan(
      all.map((job) => job.jobId).indexOf('cli-reboot'),
    );
    const table = await run('job', 'list', '--status', 'completed');
    expect(table.stdout).toMatch(/^JOB +OPERATION +STATUS +PROGRESS/);
    expect(table.stdout).toMatch(/^cli-reboot +method reboot +completed +100% +25 +20 +5 /m);
    expect(table.stdout).toMatch(/^cli-twin +twin update +completed +100% +3 +3 +0 /m);
  });

  test('job rollback --watch restores what a twin job overwrote; a method job is refused', async () => {
    const rollback = await run('job', 'rollback', 'cli-twin', '--watch', '--interval', '0.2');
    expect([rollback.code, rollback.stderr]).toEqual([0, '']);
    expect(rollback.stdout).toMatch(/^Created cli-twin-rollback \(queued\)\.$/m);
    expect(rollback.stdout).toMatch(/^Operation +twin rollback of cli-twin$/m);
    expect(rollback.stdout).toMatch(/^Devices +3 total: 3 succeeded, 0 failed/m);
    const patched = await run(
      'devices',
      'query',
      'SELECT deviceId FROM devices WHERE is_defined(tags.patched)',
      '--format',
      'json',
    );
    expect(JSON.parse(patched.stdout)).toEqual([]);
    const shown = await run('job', 'show', 'cli-twin');
    expect(shown.stdout).toMatch(/^Rollback +cli-twin-rollback$/m);
    const refused = await run('job', 'rollback', 'cli-reboot', '--as', 'cli-reboot-undo');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^error: JobNotRollbackable \(HTTP 409\): Job 'cli-reboot' cannot be rolled back/,
    );
  });

  test('cancel a scheduled job; watching it exits 2', async () => {
    const created = await run(
      'job',
      'create',
      'cli-later',
      '--method',
      'reboot',
      '--device-ids',
      'ok-00003,ok-00004',
      '--start',
      '+1h',
    );
    expect(created.stdout).toMatch(/^Status +queued/m);
    expect((await run('job', 'show', 'cli-later')).stdout).toMatch(/^Status +scheduled/m);
    const cancelled = await run('job', 'cancel', 'cli-later');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^Status +cancelled \(Cancelled on request\.\)$/m);
    const watched = await run('job', 'show', 'cli-later', '--watch', '--interval', '0.2');
    expect(watched.code).toBe(2);
  });

  test('a job that fails (deadline passed with devices left) exits 1 when watched', async () => {
    const watched = await run(
      'job',
      'create',
      'cli-deadline',
      '--method',
      'reboot',
      '--query',
      "tags.ring = 'slow'",
      '--max-execution-time',
      '1',
      '--watch',
      '--interval',
      '0.3',
    );
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/^Status +failed/m);
    expect(watched.stdout).toMatch(/^Reason +maxExecutionTimeInSeconds \(1 s\) elapsed/m);
    const devices = await run('job', 'devices', 'cli-deadline');
    expect(devices.stdout).toMatch(/^JobMaxExecutionTimeExceeded +\d+ /m);
  }, 30_000);

  test('schedule set/show/list/delete: a recurring job fires, and no more after delete', async () => {
    const set = await run(
      'schedule',
      'set',
      'cli-every2s',
      '--cron',
      '*/2 * * * * *',
      '--method',
      'ping',
      '--device-ids',
      'ok-00005',
      '--max-concurrency',
      '5',
    );
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(/^Cron +\*\/2 \* \* \* \* \* \(UTC\)$/m);
    expect(set.stdout).toMatch(/^Next run +\d{4}-\d\d-\d\dT/m);
    expect(set.stdout).toMatch(/^Controls +at most 5 at once$/m);
    let fired: { jobId: string }[] = [];
    for (let attempt = 0; attempt < 20 && fired.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const jobs = JSON.parse(
        (await run('job', 'list', '--type', 'scheduleDeviceMethod', '--json')).stdout,
      ) as {
        jobId: string;
      }[];
      fired = jobs.filter((job) => job.jobId.startsWith('cli-every2s-'));
    }
    expect(fired[0]?.jobId).toMatch(/^cli-every2s-\d{8}T\d{6}Z$/);
    const shown = JSON.parse((await run('schedule', 'show', 'cli-every2s', '--json')).stdout) as Record<
      string,
      unknown
    >;
    expect(shown).toMatchObject({
      scheduleId: 'cli-every2s',
      enabled: true,
      jobTemplate: { deviceIds: ['ok-00005'] },
    });
    expect(shown.lastJobId).toMatch(/^cli-every2s-/);
    const list = await run('schedule', 'list');
    expect(list.stdout).toMatch(/^cli-every2s +\*\/2 \* \* \* \* \* +UTC +yes +method ping /m);
    const deleted = await run('schedule', 'delete', 'cli-every2s');
    expect(deleted.stdout).toBe('Deleted schedule cli-every2s.\n');
    const count = async () =>
      (JSON.parse((await run('job', 'list', '--json')).stdout) as { jobId: string }[]).filter((job) =>
        job.jobId.startsWith('cli-every2s-'),
      ).length;
    const afterDelete = await count();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await count()).toBe(afterDelete);
    expect(await run('schedule', 'show', 'cli-every2s')).toMatchObject({ code: 3 });
    const bad = await run(
      'schedule',
      'set',
      'cli-bad',
      '--cron',
      '* * * * *',
      '--method',
      'm',
      '--query',
      '*',
    );
    expect(bad.stderr).toMatch(/^error: ArgumentInvalid \(HTTP 400\): schedule/);
  });

  test('bad input: the service error code and message, a caret under a bad condition, exit 3, nothing created', async () => {
    const condition = await run(
      'job',
      'create',
      'cli-bad',
      '--method',
      'reboot',
      '--query',
      "tags.ring = 'cli' AND",
    );
    expect(condition.code).toBe(3);
    expect(condition.stdout).toBe('');
    expect(condition.stderr).toMatch(
      /^error: ArgumentInvalid \(HTTP 400\): queryCondition: Syntax error at position 22: /,
    );
    expect(condition.stderr).toContain("\n  tags.ring = 'cli' AND\n" + ' '.repeat(23) + '^\n');
    const missing = await run('job', 'show', 'cli-bad');
    expect(missing).toMatchObject({
      code: 3,
      stderr: "error: JobNotFound (HTTP 404): Job 'cli-bad' was not found.\n",
    });

    const badId = await run('job', 'create', 'bad id', '--method', 'reboot', '--query', '*');
    expect(badId.stderr).toMatch(/^error: ArgumentInvalid \(HTTP 400\): jobId/);
    const duplicate = await run('job', 'create', 'cli-reboot', '--method', 'reboot', '--query', '*');
    expect(duplicate.stderr).toMatch(/^error: JobAlreadyExists \(HTTP 409\)/);
    const query = await run('devices', 'query', 'SELECT * FROM devices WHERE');
    expect(query).toMatchObject({ code: 3 });
    expect(query.stderr).toMatch(/^error: ArgumentInvalid \(HTTP 400\): .*position 28/);

    const usage = [
      [['job', 'create', 'x', '--query', '*'], /Say what to do: --method NAME or --twin-patch JSON/],
      [['job', 'create', 'x', '--method', 'm'], /Say which devices/],
      [
        ['job', 'create', 'x', '--method', 'm', '--query', '*', '--device-ids', 'a'],
        /Give one of --query, --device-ids/,
      ],
      [
        ['job', 'create', 'x', '--method', 'm', '--query', '*', '--start', 'tomorrow'],
        /--start <time>' argument 'tomorrow' is invalid/,
      ],
      [['job', 'create', 'x', '--method', 'm', '--query', '*', '--payload', '{oops'], /Not valid JSON/],
      [
        ['job', 'create', 'x', '--method', 'm', '--query', '*', '--abort-failed-percent', '10'],
        /--abort-failed-percent and --abort-min-executed go together/,
      ],
      [['job', 'list', '--status', 'done'], /Allowed choices are queued, scheduled/],
      [['job', 'rerun', 'cli-reboot'], /required option '--new-id <jobId>' not specified/],
      [['devices', 'seed', '--count', '0'], /at least 1/],
    ] as const;
    const results = await Promise.all(usage.map(([args]) => run(...args)));
    usage.forEach(([args, message], index) => {
      expect({ args, code: results[index]?.code }).toEqual({ args, code: 3 });
      expect(results[index]?.stderr).toMatch(message);
    });
    const list = await run('job', 'list', '--json');
    const ids = (JSON.parse(list.stdout) as { jobId: string }[]).map((job) => job.jobId);
    expect(ids.filter((id) => !id.startsWith('cli-every2s-')).sort()).toEqual([
      'cli-controls',
      'cli-deadline',
      'cli-later',
      'cli-reboot',
      'cli-reboot-again',
      'cli-twin',
      'cli-twin-rollback',
    ]);
  }, 60_000);

  test('connection problems: no connection string, wrong key, unreachable service', async () => {
    const none = await runCli(['job', 'list']);
    expect(none).toMatchObject({ code: 3 });
    expect(none.stderr).toMatch(
      /No connection string: pass --connection-string or set DEVICE_JOBS_CONNECTION_STRING/,
    );
    const wrongKey = await runCli([
      '--connection-string',
      `HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=${Buffer.alloc(32).toString('base64')}`,
      '--url',
      running.host.baseUrl,
      'job',
      'list',
    ]);
    expect(wrongKey).toMatchObject({
      code: 3,
      stderr: 'error: IotHubUnauthorizedAccess (HTTP 401): Unauthorized\n',
    });
    const unreachable = await runCli([
      '--connection-string',
      running.connectionString,
      '--url',
      'http://127.0.0.1:9',
      'job',
      'list',
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^error: Cannot reach http:\/\/127\.0\.0\.1:9: /);
    const malformed = await runCli(['--connection-string', 'HostName=x', 'job', 'list']);
    expect(malformed.stderr).toMatch(/needs HostName, SharedAccessKeyName and SharedAccessKey/);
  });

  test('piped output holds no colours or escape codes', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const { stdout, stderr } of outputs) {
      expect(stdout).not.toMatch(ESCAPE);
      expect(stderr).not.toMatch(ESCAPE);
    }
  });
});
