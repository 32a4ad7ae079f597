import { WatchPresence } from '../../../../shared/devices/watch-presence';

describe('WatchPresence', () => {
  let now = 0;
  let answers: (boolean | Error)[] = [];
  let reads = 0;
  const store = {
    anyWatches: () => {
      reads += 1;
      const answer = answers.shift();
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? false);
    },
  };

  beforeEach(() => {
    now = 0;
    reads = 0;
    answers = [];
  });

  it('reads the store at most once per most age, one read at a time', async () => {
    const presence = new WatchPresence(store, () => now, 1_000);
    answers = [false, true];
    expect(await Promise.all([presence.anyWatches(), presence.anyWatches()])).toEqual([false, false]);
    now = 999;
    expect(await presence.anyWatches()).toBe(false);
    expect(reads).toBe(1);
    now = 1_000;
    expect(await presence.anyWatches()).toBe(true);
    expect(reads).toBe(2);
  });

  it('answers maybe when the store cannot be read, and reads it again next time', async () => {
    const presence = new WatchPresence(store, () => now, 1_000);
    answers = [new Error('storage down'), false];
    expect(await presence.anyWatches()).toBe(true);
    expect(await presence.anyWatches()).toBe(false);
    expect(reads).toBe(2);
  });
});
