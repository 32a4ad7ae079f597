import {
  evaluate,
  formatExpression,
  parseCondition,
  planIndexLookups,
  parseQuery,
  planQuery,
  topLevelEqualities,
  type QueryPlan,
} from '../../../../shared/query';

const byDevice = { keyProperty: 'deviceId' };
const plan = (condition: string): QueryPlan => planQuery(parseCondition(condition), byDevice);
/** A plan as short text: `keys [..] | residual` or `scan | residual`. */
const summary = (queryPlan: QueryPlan): string => {
  const residual = queryPlan.residual === null ? '-' : formatExpression(queryPlan.residual);
  return queryPlan.kind === 'keys'
    ? `keys ${JSON.stringify(queryPlan.keys)} | ${residual}`
    : `scan | ${residual}`;
};

describe('planQuery on the deviceId key', () => {
  it.each([
    ["deviceId = 'a'", 'keys ["a"] | -'],
    ["'a' = deviceId", 'keys ["a"] | -'],
    ["DeviceID = 'a'", 'keys ["a"] | -'],
    ["(deviceId = 'a')", 'keys ["a"] | -'],
    ["deviceId IN ['a', 'b', 'a']", 'keys ["a","b"] | -'],
    ['deviceId IN []', 'keys [] | -'],
    ["deviceId IN ['a', 5, null]", 'keys ["a"] | -'],
    ['deviceId = 5', 'keys [] | -'],
    ["deviceId IN ['a', 'b'] AND tags.x = 1", 'keys ["a","b"] | tags.x = 1'],
    ["tags.x = 1 AND deviceId = 'a' AND tags.y = 2", 'keys ["a"] | (tags.x = 1) AND (tags.y = 2)'],
    ["deviceId = 'a' AND deviceId = 'b'", 'keys [] | -'],
    ["deviceId IN ['a', 'b'] AND deviceId IN ['b', 'c']", 'keys ["b"] | -'],
    ["deviceId = 'a' OR deviceId = 'b' OR deviceId IN ['c']", 'keys ["a","b","c"] | -'],
    [
      "(deviceId = 'a' AND tags.x = 1) OR deviceId = 'b'",
      'keys ["a","b"] | ((deviceId = \'a\') AND (tags.x = 1)) OR (deviceId = \'b\')',
    ],
    [
      "(deviceId = 'a' OR deviceId = 'b') AND (tags.x = 1 OR tags.y = 2)",
      'keys ["a","b"] | (tags.x = 1) OR (tags.y = 2)',
    ],
    ["deviceId = 'a' OR tags.x = 1", "scan | (deviceId = 'a') OR (tags.x = 1)"],
    ["NOT deviceId = 'a'", "scan | NOT (deviceId = 'a')"],
    ["deviceId NIN ['a']", "scan | deviceId NIN ['a']"],
    ["deviceId != 'a'", "scan | deviceId != 'a'"],
    ["deviceId > 'a'", "scan | deviceId > 'a'"],
    ["tags.deviceId = 'a'", "scan | tags.deviceId = 'a'"],
    ["STARTSWITH(deviceId, 'a')", "scan | STARTSWITH(deviceId, 'a')"],
    ['deviceId = moduleId', 'scan | deviceId = moduleId'],
    ["tags.region = 'US'", "scan | tags.region = 'US'"],
  ])('%s → %s', (condition, expected) => {
    expect(summary(plan(condition))).toBe(expected);
  });

  it('scans everything with no residual for the * condition and for a query without WHERE', () => {
    expect(planQuery(parseCondition('*'), byDevice)).toEqual({ kind: 'scan', residual: null });
    expect(planQuery(parseQuery('SELECT * FROM devices').where, byDevice)).toEqual({
      kind: 'scan',
      residual: null,
    });
  });

  it('looks up 10 devices out of an id list without scanning', () => {
    const ids = Array.from({ length: 10 }, (_, index) => `device-${index}`);
    const result = plan(`deviceId IN [${ids.map((id) => `'${id}'`).join(', ')}] AND tags.building = 7`);
    expect(result.kind === 'keys' ? result.keys : []).toEqual(ids);
  });
});

describe('planQuery on other keys', () => {
  it('pushes down jobId of a devices.jobs query', () => {
    const query = parseQuery(
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1' AND devices.jobs.status = 'failed'",
    );
    expect(summary(planQuery(query.where, { keyProperty: 'jobId' }))).toBe(
      'keys ["j1"] | status = \'failed\'',
    );
  });

  it('composes: planning the residual on a second key narrows the lookup further', () => {
    const where = parseCondition("jobId = 'j1' AND deviceId IN ['d1', 'd2'] AND status = 'failed'", {
      source: 'devices.jobs',
    });
    const byJob = planQuery(where, { keyProperty: 'jobId' });
    expect(byJob.kind === 'keys' ? byJob.keys : undefined).toEqual(['j1']);
    const byDeviceWithinJob = planQuery(byJob.residual, byDevice);
    expect(summary(byDeviceWithinJob)).toBe('keys ["d1","d2"] | status = \'failed\'');
  });

  it('survives JSON serialisation (it crosses activity boundaries as data)', () => {
    const result = plan("deviceId IN ['a'] AND tags.x = undefined");
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('a plan selects exactly what the condition selects', () => {
  const fleet = Array.from({ length: 12 }, (_, index) => ({
    deviceId: `d${index}`,
    tags: {
      floor: index % 3,
      region: index % 2 === 0 ? 'US' : 'EU',
      ...(index % 4 === 0 ? {} : { beta: index > 6 }),
    },
  }));
  const fetch = (queryPlan: QueryPlan): typeof fleet =>
    queryPlan.kind === 'keys' ? fleet.filter((device) => queryPlan.keys.includes(device.deviceId)) : fleet;

  it.each([
    "deviceId = 'd3'",
    "deviceId IN ['d1', 'd2', 'd40'] AND tags.floor = 1",
    "deviceId IN ['d1', 'd2'] OR deviceId = 'd9'",
    "(deviceId = 'd1' AND tags.region = 'US') OR (deviceId IN ['d2', 'd3'] AND tags.region = 'EU')",
    "deviceId IN ['d4', 'd5', 'd8'] AND NOT tags.beta",
    "deviceId IN ['d4', 'd5', 'd8'] AND (NOT tags.beta OR NOT IS_DEFINED(tags.beta))",
    "deviceId = 'd1' OR tags.floor = 2",
    "NOT deviceId IN ['d1'] AND tags.region = 'US'",
    "(deviceId = 'd1' OR deviceId = 'd2') AND (deviceId = 'd2' OR deviceId = 'd3')",
    "deviceId IN ['d6', 'd7', 'd10'] AND tags.beta AND tags.floor > 0",
  ])('%s', (text) => {
    const condition = parseCondition(text);
    const queryPlan = planQuery(condition, byDevice);
    const planned = fetch(queryPlan).filter((device) => evaluate(queryPlan.residual, device));
    const expected = fleet.filter((device) => evaluate(condition, device));
    expect(planned.map((device) => device.deviceId)).toEqual(expected.map((device) => device.deviceId));
  });
});

describe('topLevelEqualities', () => {
  it.each<[string, { property: string; op: 'eq'; value: string }[]]>([
    ["status = 'enabled'", [{ property: 'status', op: 'eq', value: 'enabled' }]],
    [
      "'j1' = jobId AND status = 'failed' AND tags.x = 'y' AND version = 2",
      [
        { property: 'jobId', op: 'eq', value: 'j1' },
        { property: 'status', op: 'eq', value: 'failed' },
      ],
    ],
    ["status = 'a' OR status = 'b'", []],
    ["NOT status = 'a'", []],
    ["status != 'a'", []],
    ['*', []],
  ])('%s', (condition, expected) => {
    expect(topLevelEqualities(parseCondition(condition))).toEqual(expected);
  });
});

describe('planIndexLookups', () => {
  const lookups = (text: string) => planIndexLookups(parseCondition(text));

  it('pins tag equality and IN to entries, folding name case and keeping value types', () => {
    expect(lookups("tags.Building = '43'")).toEqual([{ path: 'tags.building', value: '43' }]);
    expect(lookups('3 = tags.floor')).toEqual([{ path: 'tags.floor', value: 3 }]);
    expect(lookups("tags.x IN ['a', 1, null]")).toEqual([
      { path: 'tags.x', value: 'a' },
      { path: 'tags.x', value: 1 },
    ]);
    expect(lookups('tags.x = null')).toEqual([]);
  });

  it('takes the narrowest conjunct and needs every branch of an OR', () => {
    expect(lookups("tags.a IN [1, 2] AND tags.b = 'x' AND tags.c > 1")).toEqual([
      { path: 'tags.b', value: 'x' },
    ]);
    expect(lookups("tags.a = 1 OR tags.b = 'x'")).toHaveLength(2);
    expect(lookups("tags.a = 1 OR STARTSWITH(deviceId, 'x')")).toBeUndefined();
  });

  it.each([
    'tags.a != 1',
    'NOT tags.a = 1',
    'tags.a NIN [1]',
    'tags.a > 1',
    'properties.desired.a = 1',
    'properties.reported.a = 1',
    'tags = 1',
    "deviceId = 'x'",
  ])('leaves %s to a scan', (text) => {
    expect(lookups(text)).toBeUndefined();
  });
});
