import * as v from 'valibot';
import { durationSetting, readSetting } from '../../../../packages/func-local/host/setting-schemas';
import { parseTimeSpan } from '../../../../packages/func-local/host/time-span';
import {
  parseTimerSchedule,
  TimerScheduleError,
} from '../../../../packages/func-local/triggers/timer/timer-schedule';

const at = (iso: string) => new Date(iso);

function occurrences(schedule: string, fromIso: string, count: number): string[] {
  const parsed = parseTimerSchedule(schedule, 'UTC');
  const result: string[] = [];
  let cursor = at(fromIso);
  for (let i = 0; i < count; i += 1) {
    const next = parsed.next(cursor);
    if (!next) break;
    result.push(next.toISOString());
    cursor = next;
  }
  return result;
}

describe('NCRONTAB schedules', () => {
  it('reads six fields with seconds first', () => {
    expect(occurrences('*/15 * * * * *', '2024-03-01T10:00:01Z', 3)).toEqual([
      '2024-03-01T10:00:15.000Z',
      '2024-03-01T10:00:30.000Z',
      '2024-03-01T10:00:45.000Z',
    ]);
    expect(occurrences('0 */5 * * * *', '2024-03-01T10:02:00Z', 2)).toEqual([
      '2024-03-01T10:05:00.000Z',
      '2024-03-01T10:10:00.000Z',
    ]);
  });

  it('fires strictly after the given instant', () => {
    expect(occurrences('*/5 * * * * *', '2024-03-01T10:00:05.000Z', 1)).toEqual(['2024-03-01T10:00:10.000Z']);
  });

  it('understands ranges, lists and day names (9:30 on weekdays)', () => {
    expect(occurrences('0 30 9 * * Mon-Fri', '2024-03-01T12:00:00Z', 3)).toEqual([
      '2024-03-04T09:30:00.000Z',
      '2024-03-05T09:30:00.000Z',
      '2024-03-06T09:30:00.000Z',
    ]);
    expect(occurrences('0 0 8,20 * * *', '2024-03-01T09:00:00Z', 2)).toEqual([
      '2024-03-01T20:00:00.000Z',
      '2024-03-02T08:00:00.000Z',
    ]);
  });

  it('requires both day-of-month and day-of-week when both are given, as NCRONTAB does', () => {
    expect(occurrences('0 0 0 13 * Fri', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-09-13T00:00:00.000Z',
      '2024-12-13T00:00:00.000Z',
    ]);
  });

  it('accepts five fields with seconds at zero', () => {
    expect(occurrences('30 9 * * *', '2024-03-01T10:00:00Z', 1)).toEqual(['2024-03-02T09:30:00.000Z']);
  });

  it('computes occurrences in the given time zone', () => {
    const next = parseTimerSchedule('0 0 9 * * *', 'Europe/Berlin').next(at('2024-07-01T00:00:00Z'));
    expect(next?.toISOString()).toBe('2024-07-01T07:00:00.000Z');
  });

  it('rejects invalid expressions and time zones with a clear error', () => {
    expect(() => parseTimerSchedule('61 * * * * *')).toThrow(TimerScheduleError);
    expect(() => parseTimerSchedule('0 0 * * * *', 'Nowhere/City')).toThrow(/not a valid NCRONTAB/);
    expect(() => parseTimerSchedule('every minute')).toThrow(/neither an NCRONTAB expression/);
  });
});

describe('TimeSpan schedules', () => {
  it('fires every interval after the given instant', () => {
    expect(occurrences('00:00:30', '2024-03-01T10:00:00Z', 2)).toEqual([
      '2024-03-01T10:00:30.000Z',
      '2024-03-01T10:01:00.000Z',
    ]);
    expect(parseTimerSchedule('1.02:00:00').next(at('2024-03-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-03-02T02:00:00.000Z',
    );
  });

  it('rejects a zero interval', () => {
    expect(() => parseTimerSchedule('00:00:00')).toThrow(/longer than zero/);
  });
});

describe('TimeSpan values', () => {
  it.each([
    ['00:00:30', 30_000],
    ['01:02:03', 3_723_000],
    ['00:05', 300_000],
    ['2.00:00:01', 172_801_000],
    ['00:00:00.250', 250],
    ['3', 259_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it.each(['', '1:2:3:4', '24:00:00', '00:60:00', 'abc', '-00:00:01'])('"%s" is not a TimeSpan', (text) => {
    expect(parseTimeSpan(text)).toBeUndefined();
  });

  it('reads host.json durations as TimeSpans or milliseconds, naming a bad setting', () => {
    const read = (value: unknown) =>
      readSetting(
        v.nullish(
          durationSetting((got) => `x must be a TimeSpan; got ${JSON.stringify(got)}.`),
          7,
        ),
        value,
        (message) => new Error(message),
      );
    expect(read('00:00:02')).toBe(2000);
    expect(read(1500)).toBe(1500);
    expect(read(undefined)).toBe(7);
    expect(() => read('soon')).toThrow('x must be a TimeSpan; got "soon".');
    expect(() => read(-1)).toThrow('x must be a TimeSpan; got -1.');
  });
});
