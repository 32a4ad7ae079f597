import {
  DEFAULT_HUB_NAME,
  DurableSettingsError,
  readDurableSettings,
} from '../../../../../packages/func-local/durable/durable-settings';
import { formatTimeSpan, parseTimeSpan } from '../../../../../packages/func-local/host/time-span';
import { batchWorkItems } from '../../../../../packages/func-local/durable/message-sender';
import {
  flattenActions,
  preSerializedInput,
  retryDelayMs,
} from '../../../../../packages/func-local/durable/orchestrator-actions';
import { packEvents } from '../../../../../packages/func-local/durable/history-table';
import { partitionOf } from '../../../../../packages/func-local/durable/queue-transport';
import { EventType } from '../../../../../packages/func-local/durable/history-event';

describe('readDurableSettings', () => {
  it('expands %SETTING% in hubName and reads limits and TimeSpans', () => {
    const settings = readDurableSettings(
      {
        extensions: {
          durableTask: {
            hubName: '%HUB%',
            maxConcurrentActivityFunctions: 3,
            storageProvider: { partitionCount: 2, controlQueueVisibilityTimeout: '00:00:04' },
          },
        },
      },
      { HUB: 'MyHub7' },
      2,
    );
    expect(settings).toMatchObject({
      hubName: 'MyHub7',
      partitionCount: 2,
      maxConcurrentActivityFunctions: 3,
      maxConcurrentOrchestratorFunctions: 20,
      controlQueueVisibilityMs: 4000,
      workItemQueueVisibilityMs: 30_000,
      maximumShortTimerMs: 6 * 86_400_000,
    });
  });

  it('defaults both visibility timeouts to 30 s (Azure: 5 minutes), as messages are renewed while held', () => {
    expect(readDurableSettings({}, {}, 1)).toMatchObject({
      controlQueueVisibilityMs: 30_000,
      workItemQueueVisibilityMs: 30_000,
    });
  });

  it('defaults the hub name to TestHubName and rejects invalid names and values', () => {
    expect(readDurableSettings({}, {}, 1).hubName).toBe(DEFAULT_HUB_NAME);
    expect(() => readDurableSettings({ extensions: { durableTask: { hubName: 'my-hub' } } }, {}, 1)).toThrow(
      DurableSettingsError,
    );
    expect(() => readDurableSettings({ extensions: { durableTask: { hubName: '%UNSET%' } } }, {}, 1)).toThrow(
      /Task hub name "%UNSET%" is invalid/,
    );
    expect(() =>
      readDurableSettings({ extensions: { durableTask: { maxConcurrentActivityFunctions: 0 } } }, {}, 1),
    ).toThrow('host.json: maxConcurrentActivityFunctions must be a positive whole number (got 0).');
    expect(() =>
      readDurableSettings(
        { extensions: { durableTask: { storageProvider: { partitionCount: 17 } } } },
        {},
        1,
      ),
    ).toThrow('host.json: storageProvider.partitionCount must be 1–16.');
  });

  it('parses and formats .NET TimeSpans', () => {
    expect(parseTimeSpan('3.00:00:00')).toBe(3 * 86_400_000);
    expect(parseTimeSpan('00:00:00.500')).toBe(500);
    const timer = (value: unknown) =>
      readDurableSettings({ extensions: { durableTask: { localHost: { maxMessageDelay: value } } } }, {}, 1);
    expect(timer('1.00:00:00').maxMessageDelayMs).toBe(86_400_000);
    expect(timer(1500).maxMessageDelayMs).toBe(1500);
    expect(() => timer('soon')).toThrow(DurableSettingsError);
    expect(() => timer('soon')).toThrow(
      'host.json: localHost.maxMessageDelay must be a TimeSpan like "00:00:30" (got "soon").',
    );
    expect(formatTimeSpan(6 * 86_400_000)).toBe('6.00:00:00');
    expect(parseTimeSpan(formatTimeSpan(1500))).toBe(1500);
  });
});

describe('wire helpers', () => {
  it('flattens compound actions in yield order and serializes inputs like the SDK', () => {
    const leaves = flattenActions({
      isDone: false,
      actions: [
        [
          { actionType: 0, functionName: 'A' },
          { actionType: 12, compoundActions: [{ actionType: 5 }, { actionType: 6 }] },
        ],
      ],
    });
    expect(leaves.map((a) => a.actionType)).toEqual([0, 5, 6]);
    expect(preSerializedInput('"already json"')).toBe('"already json"');
    expect(preSerializedInput({ a: 1 })).toBe('{"a":1}');
    expect(preSerializedInput(undefined)).toBeNull();
    expect(
      retryDelayMs(
        { firstRetryIntervalInMilliseconds: 100, maxNumberOfAttempts: 9, backoffCoefficient: 2 },
        4,
      ),
    ).toBe(800);
  });

  it('batches work items and packs history events within size limits', () => {
    const items = Array.from({ length: 70 }, (_, i) => ({
      instanceId: 'i',
      executionId: 'e',
      taskScheduledId: i,
      name: 'A',
      input: null,
    }));
    expect(batchWorkItems(items).map((b) => b.items.length)).toEqual([32, 32, 6]);
    const big = [{ ...items[0]!, input: JSON.stringify('x'.repeat(39_990)) }, items[1]!];
    expect(batchWorkItems(big)).toHaveLength(2);
    const events = Array.from({ length: 900 }, (_, i) => ({
      EventType: EventType.TaskScheduled,
      EventId: i,
      IsPlayed: false,
      Timestamp: 't',
    }));
    const pages = packEvents(events);
    expect(pages.every((page) => page.length <= 30_000)).toBe(true);
    expect(pages.flatMap((page) => JSON.parse(page) as unknown[])).toEqual(events);
  });

  it('maps an instance id to the same control queue every time', () => {
    expect(partitionOf('order-42', 4)).toBe(partitionOf('order-42', 4));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => partitionOf(`id-${i}`, 4)));
    expect(spread.size).toBe(4);
  });
});
