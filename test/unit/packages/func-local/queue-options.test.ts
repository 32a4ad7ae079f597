import {
  decodeMessage,
  MessageEncodingError,
} from '../../../../packages/func-local/triggers/queue/queue-listener';
import {
  LOCAL_DEFAULT_MAX_POLLING_INTERVAL_MS,
  nextPollDelay,
  readQueueOptions,
} from '../../../../packages/func-local/triggers/queue/queue-options';

describe('queue options from host.json', () => {
  it('uses the Functions defaults, with a short local polling interval', () => {
    expect(readQueueOptions({})).toEqual({
      maxPollingIntervalMs: LOCAL_DEFAULT_MAX_POLLING_INTERVAL_MS,
      visibilityTimeoutMs: 0,
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
    });
  });

  it('reads every setting', () => {
    expect(
      readQueueOptions({
        extensions: {
          queues: {
            maxPollingInterval: '00:01:00',
            visibilityTimeout: '00:00:30',
            batchSize: 4,
            newBatchThreshold: 1,
            maxDequeueCount: 2,
            messageEncoding: 'none',
          },
        },
      }),
    ).toEqual({
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 30_000,
      batchSize: 4,
      newBatchThreshold: 1,
      maxDequeueCount: 2,
      messageEncoding: 'none',
    });
  });

  it('names an invalid setting', () => {
    expect(() => readQueueOptions({ extensions: { queues: { batchSize: 64 } } })).toThrow(
      /extensions\.queues\.batchSize must be a whole number from 1 to 32; got 64/,
    );
    expect(() => readQueueOptions({ extensions: { queues: { messageEncoding: 'utf8' as 'none' } } })).toThrow(
      /messageEncoding must be "base64" or "none"/,
    );
    expect(() => readQueueOptions({ extensions: { queues: { visibilityTimeout: 'later' } } })).toThrow(
      /visibilityTimeout must be a TimeSpan/,
    );
  });
});

describe('polling back-off', () => {
  it('doubles from 100 ms with ±20 % jitter up to the maximum', () => {
    const middle = () => 0.5;
    const delays: number[] = [];
    let delay = 0;
    for (let i = 0; i < 8; i += 1) {
      delay = nextPollDelay(delay, 2_000, middle);
      delays.push(delay);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(nextPollDelay(400, 60_000, () => 0)).toBe(640);
    expect(nextPollDelay(400, 60_000, () => 1)).toBe(960);
  });
});

describe('message decoding', () => {
  it('decodes base64 by default and passes text through with encoding none', () => {
    expect(decodeMessage(Buffer.from('{"a":"é"}').toString('base64'), 'base64')).toBe('{"a":"é"}');
    expect(decodeMessage('not base64!', 'none')).toBe('not base64!');
  });

  it('rejects text that is not base64', () => {
    expect(() => decodeMessage('not base64!', 'base64')).toThrow(MessageEncodingError);
    expect(() => decodeMessage('abc', 'base64')).toThrow(/not valid Base64/);
  });
});
