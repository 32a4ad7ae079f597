import fs from 'node:fs';
import path from 'node:path';
import { parseNcrontab } from '../../../../shared/cron/ncrontab';
import type { RegisteredFunction } from '../../../support/functions-core-stand-in';

// The timers read the settings when they load (their schedules are settings); nothing else is built then.
const timersDir = path.resolve(__dirname, '../../../../functions/timers');
const baseSettings = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  JOBS_ACCESS_POLICIES: JSON.stringify([
    { name: 'owner', key: Buffer.alloc(32, 7).toString('base64'), rights: ['RegistryRead'] },
  ]),
};

interface TimerBinding {
  type: string;
  schedule: string;
  runOnStartup?: boolean;
}

/** The timer functions the app registers with these settings (each timer module loaded afresh). */
function registeredTimers(settings: Record<string, string>): Map<string, TimerBinding> {
  const saved = process.env;
  process.env = { ...settings };
  try {
    let registered = new Map<string, RegisteredFunction>();
    jest.isolateModules(() => {
      for (const file of fs.readdirSync(timersDir).filter((name) => name.endsWith('.timer.ts'))) {
        jest.requireActual(path.join(timersDir, file));
      }
      registered = jest.requireActual<typeof import('../../../support/functions-core-stand-in')>(
        '../../../support/functions-core-stand-in',
      ).registeredFunctions;
    });
    const timers = new Map<string, TimerBinding>();
    for (const fn of registered.values()) {
      const trigger = Object.values(fn.bindings).find((binding) => binding.type === 'timerTrigger');
      if (trigger) timers.set(fn.name, trigger as TimerBinding);
    }
    return timers;
  } finally {
    process.env = saved;
  }
}

/** The shortest gap between two occurrences of a schedule within a day (at most 100 occurrences looked at). */
function shortestGapMs(schedule: string): number {
  const cron = parseNcrontab(schedule, 'UTC');
  const end = Date.parse('2026-12-02T00:00:00Z');
  let previous = cron.next(new Date('2026-12-01T00:00:00Z'));
  let shortest = Infinity;
  for (let i = 0; previous && previous.getTime() < end && i < 100; i += 1) {
    const next = cron.next(previous);
    if (!next) break;
    shortest = Math.min(shortest, next.getTime() - previous.getTime());
    previous = next;
  }
  return shortest;
}

describe('periodic timers (Flex Consumption can scale to zero)', () => {
  // Loading the app's timer modules is the slow part: two loads serve every check.
  const local = registeredTimers({ ...baseSettings, DEMO_FLEET_SIZE: '1000' });
  const azure = registeredTimers({
    ...baseSettings,
    DEMO_FLEET_SIZE: '1000',
    WEBSITE_SKU: 'FlexConsumption',
  });

  it('fire at most once a minute by default, the schedules being fired by durable timers instead', () => {
    for (const timers of [local, azure]) {
      expect([...timers.keys()].sort()).toEqual(
        ['jobEventsSweep', 'jobReconciliation', 'jobRetention', 'jobSchedulesTick', 'seedDemoFleet'].sort(),
      );
      const tooOften = [...timers]
        .filter(([, binding]) => shortestGapMs(binding.schedule) < 60_000)
        .map(([name, binding]) => `${name} (${binding.schedule})`);
      expect(tooOften).toEqual([]);
    }
  });

  it('seed the demo fleet at start locally, but never on instance start in Azure', () => {
    expect(local.get('seedDemoFleet')?.runOnStartup).toBe(true);
    const onStartup = [...azure].filter(([, binding]) => binding.runOnStartup).map(([name]) => name);
    expect(onStartup).toEqual([]);
  });
});
