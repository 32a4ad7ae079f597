import {
  fitMethodTimeouts,
  methodCallBoundMs,
  parseFunctionTimeout,
  planActivityTime,
} from '../../../../shared/jobs/core/activity-time';
import type { CloudToDeviceMethod } from '../../../../shared/jobs/core/job-model';

const method = (responseTimeoutInSeconds: number, connectTimeoutInSeconds = 0): CloudToDeviceMethod => ({
  methodName: 'reboot',
  payload: null,
  responseTimeoutInSeconds,
  connectTimeoutInSeconds,
});
const FIVE_MINUTES = { budgetMs: 120_000, functionTimeoutMs: 300_000 };

describe('activity time plan', () => {
  it('starts devices until the budget less the longest call, so the activity ends within its budget', () => {
    const plan = planActivityTime(0, FIVE_MINUTES, methodCallBoundMs(method(30)));
    expect(plan).toEqual({ startUntil: 88_000, hardEnd: 285_000 });
    expect(fitMethodTimeouts(method(30), plan.startUntil, plan.hardEnd)).toEqual(method(30));
  });

  it('honours a 300 s method timeout when the host allows 10 minutes: short start window, full timeout', () => {
    const plan = planActivityTime(
      0,
      { budgetMs: 120_000, functionTimeoutMs: 600_000 },
      methodCallBoundMs(method(300)),
    );
    expect(plan.startUntil).toBe(5_000);
    expect(fitMethodTimeouts(method(300), plan.startUntil, plan.hardEnd)).toEqual(method(300));
  });

  it('shortens a 300 s method timeout to what a 5-minute functionTimeout leaves (the closest honest thing)', () => {
    const plan = planActivityTime(0, FIVE_MINUTES, methodCallBoundMs(method(300, 60)));
    expect(plan.startUntil).toBe(5_000);
    expect(fitMethodTimeouts(method(300, 60), 0, plan.hardEnd)).toEqual(method(283, 0));
    expect(fitMethodTimeouts(method(300, 60), plan.startUntil, plan.hardEnd)).toEqual(method(278, 0));
  });

  it('keeps a margin proportional to a short functionTimeout (20 s: work ends by 15 s)', () => {
    const plan = planActivityTime(
      1_000,
      { budgetMs: 120_000, functionTimeoutMs: 20_000 },
      methodCallBoundMs(method(5)),
    );
    expect(plan).toEqual({ startUntil: 9_000, hardEnd: 16_000 });
  });

  it('has no hard end when the host has no functionTimeout', () => {
    expect(planActivityTime(0, { budgetMs: 60_000, functionTimeoutMs: undefined }, 10_000)).toEqual({
      startUntil: 50_000,
      hardEnd: Infinity,
    });
  });

  it.each([
    ['00:05:00', 300_000],
    ['00:00:20', 20_000],
    ['01:00:00', 3_600_000],
    ['1.02:00:00', 93_600_000],
    ['00:00:01.5', 1_500],
    ['-1', undefined],
  ])('parses the host.json TimeSpan %s', (text, ms) => {
    expect(parseFunctionTimeout(text)).toBe(ms);
  });

  it.each(['5', '5m', '00:00:00', 'abc'])('refuses %s as a functionTimeout', (text) => {
    expect(() => parseFunctionTimeout(text)).toThrow(RangeError);
  });
});
