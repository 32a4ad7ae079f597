import { executeQuery, isAggregateQuery, parseQuery, projectDocument } from '../../../shared/query';
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
