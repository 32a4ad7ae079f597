import {
  BUDGET_MEMBER_EXPIRY_MS,
  budgetShares,
  liveMembers,
  prospectiveShare,
} from '../../../../shared/jobs/core/device-budget';
import { createBudgetPacer } from '../../../../shared/jobs/engine/budget-pacer';
import { jobsDeviceOperationsPerSecond } from '../../../../shared/devices/iothub/hub-throttles';
import { loadConfig } from '../../../../shared/config';

const NOW = 1_000_000;

describe('splitting the device-operation budget', () => {
  it('gives equal jobs equal halves and splits by priority', () => {
    const members = [
      { jobId: 'a', priority: 5, heartbeatAt: NOW },
      { jobId: 'b', priority: 5, heartbeatAt: NOW },
    ];
    expect(Object.fromEntries(budgetShares(40, members, new Map()))).toEqual({ a: 20, b: 20 });
    const mixed = [...members, { jobId: 'c', priority: 10, heartbeatAt: NOW }];
    expect(Object.fromEntries(budgetShares(40, mixed, new Map()))).toEqual({ a: 10, b: 10, c: 20 });
  });

  it('counts this host’s jobs before the table shows them, and a lone job gets the whole budget', () => {
    expect(Object.fromEntries(budgetShares(30, [], new Map([['solo', 2]])))).toEqual({ solo: 30 });
    const shares = budgetShares(
      30,
      [{ jobId: 'far', priority: 1, heartbeatAt: NOW }],
      new Map([['near', 2]]),
    );
    expect(Object.fromEntries(shares)).toEqual({ far: 10, near: 20 });
  });

  it('drops members whose heartbeat is stale, and a repeated job counts once', () => {
    const members = liveMembers(
      [
        { jobId: 'fresh', priority: 5, heartbeatAt: NOW - 100 },
        { jobId: 'gone', priority: 5, heartbeatAt: NOW - BUDGET_MEMBER_EXPIRY_MS - 1 },
        { jobId: 'twice', priority: 3, heartbeatAt: NOW },
        { jobId: 'twice', priority: 4, heartbeatAt: NOW },
      ],
      NOW,
    );
    expect(members.map((member) => [member.jobId, member.priority])).toEqual([
      ['fresh', 5],
      ['twice', 4],
    ]);
  });

  it('tells a dry run the share a job would get beside the running ones', () => {
    const running = [
      { jobId: 'x', priority: 5 },
      { jobId: 'y', priority: 10 },
    ];
    expect(prospectiveShare(40, running, 'new', 5)).toBe(10);
    expect(prospectiveShare(40, [], 'new')).toBe(40);
    // A job already running is not counted twice.
    expect(prospectiveShare(40, running, 'y', 10)).toBeCloseTo(40 * (10 / 15));
  });
});

describe('the budget pacer', () => {
  /** A clock that moves only when the pacer sleeps. */
  function fakeTime() {
    let now = 0;
    return {
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
    };
  }

  it('spaces calls at the share and follows a share that changes', async () => {
    const time = fakeTime();
    let rate = 10;
    const take = createBudgetPacer({ operationsPerSecond: () => rate, ...time });
    const at: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await take();
      at.push(time.now());
    }
    expect(at).toEqual([0, 100, 200, 300, 400]);
    rate = 40;
    await take();
    await take();
    expect(time.now()).toBe(450);
  });

  it('serves concurrent waiters in order at the share, whatever their number', async () => {
    const time = fakeTime();
    const take = createBudgetPacer({ operationsPerSecond: () => 20, ...time });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(time.now()).toBe(150);
  });
});

describe('the budget from IoT Hub’s published throttle', () => {
  it('follows the jobs device operations table per tier and units', () => {
    expect(jobsDeviceOperationsPerSecond('S1', 4)).toBe(10);
    expect(jobsDeviceOperationsPerSecond('f1', 1)).toBe(10);
    expect(jobsDeviceOperationsPerSecond('S2', 3)).toBe(10);
    expect(jobsDeviceOperationsPerSecond('S2', 25)).toBe(25);
    expect(jobsDeviceOperationsPerSecond('S3', 2)).toBe(100);
    expect(jobsDeviceOperationsPerSecond('B1', 1)).toBeUndefined();
  });

  const base = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    JOBS_ACCESS_POLICIES: JSON.stringify([
      { name: 'iothubowner', key: Buffer.alloc(32, 3).toString('base64'), rights: ['ServiceConnect'] },
    ]),
  };

  it('reads JOBS_DEVICE_OPERATIONS_PER_SECOND, else the hub’s tier with DEVICE_GATEWAY=iothub', () => {
    const hub = {
      ...base,
      DEVICE_GATEWAY: 'iothub',
      IOTHUB_CONNECTION_STRING: 'HostName=h.azure-devices.net;SharedAccessKeyName=o;SharedAccessKey=a2V5',
    };
    expect(loadConfig(base).jobs.deviceOperationsPerSecond).toBeUndefined();
    expect(
      loadConfig({ ...base, JOBS_DEVICE_OPERATIONS_PER_SECOND: '12.5' }).jobs.deviceOperationsPerSecond,
    ).toBe(12.5);
    expect(loadConfig({ ...hub, IOTHUB_SKU: 'S3', IOTHUB_UNITS: '2' }).jobs.deviceOperationsPerSecond).toBe(
      100,
    );
    expect(
      loadConfig({ ...hub, IOTHUB_SKU: 'S3', JOBS_DEVICE_OPERATIONS_PER_SECOND: '7' }).jobs
        .deviceOperationsPerSecond,
    ).toBe(7);
    expect(() => loadConfig({ ...hub, IOTHUB_SKU: 'B2' })).toThrow(/IOTHUB_SKU.*Basic tiers/);
    expect(() => loadConfig({ ...base, JOBS_DEVICE_OPERATIONS_PER_SECOND: '0' })).toThrow(
      /JOBS_DEVICE_OPERATIONS_PER_SECOND/,
    );
    expect(() => loadConfig({ ...hub, IOTHUB_SKU: 'S1', IOTHUB_UNITS: '0' })).toThrow(/IOTHUB_UNITS/);
  });
});
