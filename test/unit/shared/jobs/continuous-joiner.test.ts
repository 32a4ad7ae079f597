import { ContinuousJoiner, type TwinWrite } from '../../../../shared/jobs/engine/continuous-joiner';
import type { JobJoinRepository, OpenContinuousJob } from '../../../../shared/jobs/core/ports';

/** An in-memory join store: members per job, as the table's transactional insert keeps them. */
function memoryJoins(open: OpenContinuousJob[]) {
  const members = new Map<string, Set<string>>();
  let listReads = 0;
  const joins: JobJoinRepository = {
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    listOpen: () => {
      listReads += 1;
      return Promise.resolve(open);
    },
    addSnapshotMembers: (jobId, deviceIds) => {
      for (const id of deviceIds) (members.get(jobId) ?? members.set(jobId, new Set()).get(jobId))?.add(id);
      return Promise.resolve();
    },
    joinMany: (jobId, deviceIds) => {
      const set = members.get(jobId) ?? new Set<string>();
      members.set(jobId, set);
      const joined = deviceIds.filter((deviceId) => !set.has(deviceId));
      for (const deviceId of joined) set.add(deviceId);
      return Promise.resolve(joined);
    },
    queued: () => Promise.resolve([]),
    dequeue: () => Promise.resolve(),
  };
  return { joins, members, listReads: () => listReads };
}

const twin = (fleet: string) => () => ({ deviceId: 'd', tags: { fleet } });
const write = (deviceId: string, after: string, before?: string): TwinWrite => ({
  deviceId,
  after: twin(after),
  ...(before === undefined ? {} : { before: twin(before) }),
});

describe('continuous joiner (the registry write path)', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };
  const open = [
    { jobId: 'east', queryCondition: "tags.fleet = 'east'" },
    { jobId: 'all', queryCondition: '*' },
  ];

  /** A joiner over `store` whose wake-ups are recorded in `signals`. */
  const joinerOver = (store: ReturnType<typeof memoryJoins>, signals: string[] = []) =>
    new ContinuousJoiner({
      joins: store.joins,
      signals: { send: (jobId) => Promise.resolve(void signals.push(jobId)) },
      clock,
      cacheMs: 2000,
    });

  it('joins devices that come to match, once per job, and signals each job once per write', async () => {
    const store = memoryJoins(open);
    const signals: string[] = [];
    const joiner = joinerOver(store, signals);
    expect(await joiner.written([write('a', 'east'), write('b', 'west')])).toBe(3);
    expect(signals.sort()).toEqual(['all', 'east']);
    // Already matching before the write: not a join. Matching again after leaving: a member already.
    expect(await joiner.written([write('a', 'east', 'east'), write('a', 'east', 'west')])).toBe(0);
    expect(await joiner.written([write('b', 'east', 'west')])).toBe(1);
    expect([...(store.members.get('east') ?? [])].sort()).toEqual(['a', 'b']);
  });

  it('reads the open list at most once per cache period, and builds no twin when no job is open', async () => {
    const store = memoryJoins([]);
    const joiner = joinerOver(store);
    const after = jest.fn(twin('east'));
    await joiner.written([{ deviceId: 'x', after }]);
    await joiner.written([{ deviceId: 'y', after }]);
    expect(store.listReads()).toBe(1);
    expect(after).not.toHaveBeenCalled();
    now += 2000;
    await joiner.written([{ deviceId: 'z', after }]);
    expect(store.listReads()).toBe(2);
  });

  it("wakes a job whose joins failed part-way, and still joins the other jobs' devices", async () => {
    const store = memoryJoins(open);
    const joinMany = store.joins.joinMany.bind(store.joins);
    store.joins.joinMany = (jobId, deviceIds, at) =>
      jobId === 'east' ? Promise.reject(new Error('storage failed')) : joinMany(jobId, deviceIds, at);
    const signals: string[] = [];
    const joiner = joinerOver(store, signals);
    await expect(joiner.written([write('a', 'east'), write('b', 'east')])).rejects.toThrow('storage failed');
    expect([...(store.members.get('all') ?? [])].sort()).toEqual(['a', 'b']);
    expect(signals.sort()).toEqual(['all', 'east']);
  });

  it('joins the devices of one write to a job in one call', async () => {
    const store = memoryJoins(open);
    const calls: string[][] = [];
    const joinMany = store.joins.joinMany.bind(store.joins);
    store.joins.joinMany = (jobId, deviceIds, at) => {
      if (jobId === 'east') calls.push([...deviceIds]);
      return joinMany(jobId, deviceIds, at);
    };
    const joiner = joinerOver(store);
    expect(await joiner.written([write('a', 'east'), write('b', 'west'), write('c', 'east')])).toBe(5);
    expect(calls).toEqual([['a', 'c']]);
  });
});
