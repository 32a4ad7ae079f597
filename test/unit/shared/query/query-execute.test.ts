import {
  executeQuery,
  isAggregateQuery,
  MAX_QUERY_LENGTH,
  parseCondition,
  parseQuery,
  projectDocument,
  QueryAggregation,
  QuerySyntaxError,
  WorkSlices,
} from '../../../../shared/query';
import { bareTwin, deviceJobRow, sensorTwin } from './twin-fixtures';

const fleet = [
  { deviceId: 'd1', tags: { region: 'US', floor: 1 }, properties: { reported: { fw: '1.0' } } },
  { deviceId: 'd2', tags: { region: 'EU', floor: 2 }, properties: { reported: { fw: '1.1' } } },
  { deviceId: 'd3', tags: { region: 'US', floor: 2 }, properties: { reported: { fw: '1.1' } } },
  { deviceId: 'd4', tags: {}, properties: { reported: {} } },
];

describe('projectDocument', () => {
  it('returns the whole document for SELECT *', () => {
    expect(projectDocument(parseQuery('SELECT * FROM devices').projection, sensorTwin)).toBe(sensorTwin);
  });

  it('binds aliases and last segments, leaving out undefined values', () => {
    const { projection } = parseQuery(
      'SELECT deviceId, properties.reported.temperature AS temp, tags.location.region, tags.missing FROM devices',
    );
    expect(projectDocument(projection, sensorTwin)).toEqual({
      deviceId: 'building-7-floor-3-sensor-12',
      temp: 21.5,
      region: 'US',
    });
    expect(projectDocument(projection, bareTwin)).toEqual({ deviceId: 'gateway-1' });
  });

  it('projects nested objects and device-job fields through their qualifier', () => {
    const { projection } = parseQuery('SELECT devices.jobs.outcome, devices.jobs.status FROM devices.jobs');
    expect(projectDocument(projection, deviceJobRow)).toEqual({
      outcome: { deviceMethodResponse: { status: 200, payload: { ok: true } } },
      status: 'completed',
    });
  });

  it('refuses COUNT(), which needs the whole result', () => {
    expect(() =>
      projectDocument(parseQuery('SELECT COUNT() AS n FROM devices').projection, sensorTwin),
    ).toThrow('COUNT() needs the whole result');
  });
});

describe('executeQuery', () => {
  it.each([
    ["SELECT * FROM devices WHERE tags.region = 'US'", ['d1', 'd3']],
    ['SELECT * FROM devices WHERE tags.floor >= 2', ['d2', 'd3']],
    ["SELECT * FROM devices WHERE tags.region NIN ['US']", ['d2']],
    ['SELECT * FROM devices WHERE NOT IS_DEFINED(tags.region)', ['d4']],
    ['SELECT * FROM devices', ['d1', 'd2', 'd3', 'd4']],
    ['SELECT TOP 2 * FROM devices', ['d1', 'd2']],
    ["SELECT TOP 1 * FROM devices WHERE properties.reported.fw = '1.1'", ['d2']],
    ['SELECT TOP 0 * FROM devices', []],
  ])('%s selects %j', (text, ids) => {
    const rows = executeQuery(parseQuery(text), fleet) as { deviceId: string }[];
    expect(rows.map((row) => row.deviceId)).toEqual(ids);
  });

  it('counts the matching documents', () => {
    expect(
      executeQuery(parseQuery("SELECT COUNT() AS n FROM devices WHERE tags.region = 'US'"), fleet),
    ).toEqual([{ n: 2 }]);
    expect(
      executeQuery(parseQuery("SELECT COUNT() AS n FROM devices WHERE tags.region = 'ASIA'"), fleet),
    ).toEqual([{ n: 0 }]);
  });

  it('groups by property values, keeping the order of first appearance and a group for missing values', () => {
    const query = parseQuery(
      'SELECT properties.reported.fw AS firmware, COUNT() AS devices FROM devices GROUP BY properties.reported.fw',
    );
    expect(executeQuery(query, fleet)).toEqual([
      { firmware: '1.0', devices: 1 },
      { firmware: '1.1', devices: 2 },
      { devices: 1 },
    ]);
  });

  it('groups by two properties and applies WHERE and TOP to groups', () => {
    const query = parseQuery(
      'SELECT TOP 2 tags.region, tags.floor, COUNT() AS n FROM devices WHERE IS_DEFINED(tags.region) GROUP BY tags.region, tags.floor',
    );
    expect(executeQuery(query, fleet)).toEqual([
      { region: 'US', floor: 1, n: 1 },
      { region: 'EU', floor: 2, n: 1 },
    ]);
  });

  it('tells aggregate queries apart', () => {
    expect(isAggregateQuery(parseQuery('SELECT COUNT() FROM devices'))).toBe(true);
    expect(isAggregateQuery(parseQuery('SELECT tags.a FROM devices GROUP BY tags.a'))).toBe(true);
    expect(isAggregateQuery(parseQuery('SELECT tags.a FROM devices'))).toBe(false);
    expect(isAggregateQuery(parseQuery('SELECT * FROM devices'))).toBe(false);
  });
});

describe('prototype names in queries', () => {
  it('keeps an alias such as __proto__ as a column instead of swallowing it', () => {
    const { projection } = parseQuery(
      'SELECT deviceId AS __proto__, tags.region AS constructor FROM devices',
    );
    const row = projectDocument(projection, fleet[0]);
    expect(JSON.stringify(row)).toBe('{"__proto__":"d1","constructor":"US"}');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('reads only own properties of documents', () => {
    const query = parseQuery(
      "SELECT * FROM devices WHERE IS_DEFINED(tags.constructor) OR tags.__proto__ != 'x'",
    );
    expect(executeQuery(query, fleet)).toEqual([]);
  });
});

describe('query length', () => {
  const longest = (prefix: string) => {
    let text = prefix;
    for (let index = 0; text.length + ` OR tags.x = ${index}`.length <= MAX_QUERY_LENGTH; index++)
      text += `${index === 0 ? '' : ' OR '}tags.x = ${index}`;
    return text;
  };

  it(`accepts ${MAX_QUERY_LENGTH} characters and refuses one more, before any parsing`, () => {
    const query = longest('SELECT * FROM devices WHERE ').padEnd(MAX_QUERY_LENGTH, ' ');
    expect(query).toHaveLength(MAX_QUERY_LENGTH);
    expect(parseQuery(query).where).not.toBeNull();
    expect(() => parseQuery(`${query} `)).toThrow(QuerySyntaxError);
    expect(() => parseQuery(`${query} `)).toThrow(/8193 characters long: at most 8192 are allowed/);
    expect(() => parseCondition(`${'('.repeat(9000)}`)).toThrow(/9000 characters long/);
  });
});

describe('aggregation fed one document at a time', () => {
  it('gives the rows executeQuery gives', () => {
    const query = parseQuery('SELECT tags.region, COUNT() AS n FROM devices GROUP BY tags.region');
    const aggregation = new QueryAggregation(query);
    for (const twin of fleet) aggregation.add(twin);
    expect(aggregation.rows()).toEqual(executeQuery(query, fleet));
    expect(new QueryAggregation(parseQuery('SELECT COUNT() FROM devices')).rows()).toEqual([{ $1: 0 }]);
  });
});

describe('WorkSlices', () => {
  it('lets a timer run during a long loop that checkpoints, and not without checkpoints', async () => {
    const busyFor = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const slices = new WorkSlices(5);
    for (let step = 0; step < 20; step++) {
      busyFor(3);
      await slices.checkpoint();
    }
    const slicedTicks = ticks;
    ticks = 0;
    for (let step = 0; step < 20; step++) busyFor(3);
    await new Promise<void>((resolve) => setImmediate(resolve));
    clearInterval(timer);
    expect(slicedTicks).toBeGreaterThanOrEqual(5);
    expect(ticks).toBeLessThanOrEqual(1);
  });
});
