import { evaluate, evaluateExpression, parseCondition, parseQuery } from '../../../../shared/query';
import { bareTwin, deviceJobRow, sensorTwin } from './twin-fixtures';

const matches = (condition: string, document: unknown = sensorTwin): boolean =>
  evaluate(parseCondition(condition), document);
const valueOf = (expression: string, document: unknown = sensorTwin): unknown => {
  const parsed = parseCondition(expression);
  if (parsed === null) throw new Error('expected an expression');
  return evaluateExpression(parsed, document);
};

describe('evaluate: comparisons of primitives of one type', () => {
  it.each([
    ["deviceId = 'building-7-floor-3-sensor-12'", true],
    ["deviceId = 'gateway-1'", false],
    ["status != 'disabled'", true],
    ["status <> 'enabled'", false],
    ["tags.location.region = 'US'", true],
    ["tags.location.region = 'us'", false],
    ['tags.location.floor = 3', true],
    ['tags.location.floor = 3.0', true],
    ['tags.location.floor > 2', true],
    ['tags.location.floor >= 3', true],
    ['tags.location.floor < 3', false],
    ['tags.location.floor <= 3', true],
    ['properties.reported.temperature > 21.4', true],
    ['properties.reported.temperature < 2.15e1', false],
    ['properties.desired.telemetryConfig.sendFrequencyInSecs = 300', true],
    ["tags.firmware < '1.5'", true],
    ["tags.firmware > '1.10'", true],
    ["'b' > 'a'", true],
    ["'B' < 'a'", true],
    ['properties.reported.online = true', true],
    ['properties.reported.online != false', true],
    ['tags.flags.retired = false', true],
    ['false < true', true],
    ['tags.flags.beta > tags.flags.retired', true],
    ['tags.zero = 0', true],
    ["tags.empty = ''", true],
    ['tags.hex = 0x1F', true],
    ['tags.hex = 0x1f', true],
    ['tags.big = 1.5E4', true],
    ['tags.ratio = 25e-2', true],
    ['version = 5', true],
    ['tags.location.building = tags.location.floor + 4', true],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: undefined and mixed types are never true', () => {
  it.each([
    ["tags.location.floor = '3'", false],
    ["tags.location.floor != '3'", false],
    ['tags.location.region > 1', false],
    ['properties.reported.online = 1', false],
    ["tags.missing = 'x'", false],
    ["tags.missing != 'x'", false],
    ['tags.missing < 1', false],
    ['tags.missing = undefined', false],
    ['undefined = undefined', false],
    ['tags.missing.deeper.still = 1', false],
    ['tags.location = tags.location', false],
    ['tags.list = tags.list', false],
    ['tags.location.region.length = 2', false],
    ["NOT (tags.missing = 'x')", false],
    ["NOT tags.missing != 'x'", false],
    ["NOT (tags.location.floor = '3')", false],
    ['tags.list > 0', false],
    ['tags.location > 0', false],
    ['null < 1', false],
    ['tags.nothing > 0', false],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: null', () => {
  it.each([
    ['tags.nothing = null', true],
    ['tags.nothing != null', false],
    ['tags.location.region = null', false],
    ['tags.location.region != null', true],
    ['tags.location = null', false],
    ['null = null', true],
    ['tags.missing = null', false],
    ['tags.missing != null', false],
    ['tags.nothing IN [null]', true],
    ['tags.nothing NIN [null, 1]', false],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: AND, OR, NOT with three-valued logic', () => {
  it.each([
    ["tags.location.region = 'US' AND tags.location.floor = 3", true],
    ["tags.location.region = 'US' AND tags.location.floor = 4", false],
    ["tags.location.region = 'EU' OR tags.location.floor = 3", true],
    ["tags.location.region = 'EU' OR tags.location.floor = 4", false],
    ["NOT tags.location.region = 'EU'", true],
    ["NOT NOT tags.location.region = 'US'", true],
    ['tags.missing = 1 OR version = 5', true],
    ['tags.missing = 1 AND version = 5', false],
    ['NOT (tags.missing = 1 AND version = 5)', false],
    ['NOT (tags.missing = 1 AND version = 4)', true],
    ['NOT (tags.missing = 1 OR version = 4)', false],
    ['true', true],
    ['false', false],
    ['NOT false', true],
    ['NOT undefined', false],
    ['NOT null', false],
    ['NOT 1', false],
    ["tags.location.region = 'EU' OR tags.location.region = 'US' AND tags.location.floor = 4", false],
    ["(tags.location.region = 'EU' OR tags.location.region = 'US') AND tags.location.floor = 3", true],
    ["tags.location.region = 'US' OR tags.missing = 1 AND tags.location.floor = 4", true],
    ['properties.reported.online', true],
    ['properties.reported.online AND tags.flags.beta', true],
    ['tags.flags.retired OR tags.flags.beta', true],
    ['properties.reported.temperature', false],
    ['tags.location.region AND version = 5', false],
    ['tags.location', false],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });

  it.each([
    ['true AND undefined', undefined],
    ['false AND undefined', false],
    ['true OR undefined', true],
    ['false OR undefined', undefined],
    ['NOT undefined', undefined],
    ["NOT 'text'", undefined],
    ['true AND 1', undefined],
    ['true AND true AND true', true],
    ['false OR false OR false', false],
  ])('value of %s is %p', (expression, expected) => {
    expect(valueOf(expression)).toBe(expected);
  });
});

describe('evaluate: IN and NIN', () => {
  it.each([
    ["tags.location.region IN ['US', 'EU']", true],
    ["tags.location.region IN ['EU', 'ASIA']", false],
    ["tags.location.region NIN ['EU', 'ASIA']", true],
    ["tags.location.region NIN ['US']", false],
    ["tags.location.region NOT IN ['EU']", true],
    ['tags.location.floor IN [1, 2, 3]', true],
    ["tags.location.floor IN ['3']", false],
    ["tags.location.floor NIN ['3']", true],
    ['tags.location.floor IN [-3, 0x3]', true],
    ['tags.location.floor IN []', false],
    ['tags.location.floor NIN []', true],
    ["tags.missing IN ['x']", false],
    ["tags.missing NIN ['x']", false],
    ['tags.location IN [1]', false],
    ['tags.location NIN [1]', false],
    ['properties.reported.online IN [true]', true],
    ['properties.reported.online NIN [false, null]', true],
    ["NOT tags.missing IN ['x']", false],
    ["deviceId IN ['gateway-1', 'building-7-floor-3-sensor-12']", true],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: arithmetic', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['8 / 4 / 2', 1],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['2 * -3', -6],
    ['-(2 + 3)', -5],
    ['- -4', 4],
    ['tags.location.floor * 100 + 12', 312],
    ['properties.reported.battery / 8', 11],
    ['0x10 + 1', 17],
    ['1.5e2 - 50', 100],
    ['1 / 0', undefined],
    ['1 % 0', undefined],
    ["'a' + 'b'", undefined],
    ["1 + '1'", undefined],
    ['tags.missing + 1', undefined],
    ['-tags.location.region', undefined],
    ['true + 1', undefined],
    ['null * 2', undefined],
    ['1e308 * 10', undefined],
  ])('%s = %p', (expression, expected) => {
    expect(valueOf(expression)).toBe(expected);
  });

  it.each([
    ['tags.location.floor + 1 = 4', true],
    ['tags.location.floor % 2 = 1', true],
    ['tags.location.floor / 0 = 0', false],
    ['tags.location.floor / 0 != 0', false],
    ['properties.reported.temperature * 2 > 40', true],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: type functions', () => {
  it.each([
    ['IS_DEFINED(tags.location.region)', true],
    ['IS_DEFINED(tags.missing)', false],
    ['IS_DEFINED(tags.nothing)', true],
    ['NOT IS_DEFINED(tags.missing)', true],
    ['IS_DEFINED(tags.missing.deeper)', false],
    ['IS_NULL(tags.nothing)', true],
    ['IS_NULL(tags.missing)', false],
    ['IS_NULL(tags.zero)', false],
    ['IS_BOOL(properties.reported.online)', true],
    ['IS_BOOL(tags.location.region)', false],
    ['IS_NUMBER(tags.location.floor)', true],
    ["IS_NUMBER('3')", false],
    ['IS_STRING(tags.location.region)', true],
    ['IS_STRING(tags.location.floor)', false],
    ['IS_OBJECT(tags.location)', true],
    ['IS_OBJECT(tags.list)', false],
    ['IS_OBJECT(tags.nothing)', false],
    ['IS_ARRAY(tags.list)', true],
    ['IS_ARRAY([1, 2])', true],
    ['IS_ARRAY(tags.location)', false],
    ['IS_PRIMITIVE(tags.location.region)', true],
    ['IS_PRIMITIVE(tags.nothing)', true],
    ['IS_PRIMITIVE(properties.reported.online)', true],
    ['IS_PRIMITIVE(tags.location)', false],
    ['IS_PRIMITIVE(tags.missing)', false],
    ['IS_NUMBER(tags.location.floor + 1)', true],
    ['IS_DEFINED(1 / 0)', false],
    ['is_string(tags.firmware) AND Is_Number(version)', true],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });
});

describe('evaluate: string functions', () => {
  it.each([
    ["STARTSWITH(deviceId, 'building-7')", true],
    ["STARTS_WITH(deviceId, 'building-7')", true],
    ["startswith(deviceId, 'Building-7')", false],
    ["STARTSWITH(deviceId, '')", true],
    ["ENDSWITH(deviceId, 'sensor-12')", true],
    ["ENDS_WITH(deviceId, 'sensor-1')", false],
    ["ends_with(tags.firmware, '.2')", true],
    ["CONTAINS(deviceId, 'floor-3')", true],
    ["CONTAINS(deviceId, 'floor-4')", false],
    ["contains(tags.accent, 'fé')", true],
    ["STARTSWITH(tags.location.floor, '3')", false],
    ["STARTSWITH(tags.missing, 'x')", false],
    ['STARTSWITH(deviceId, 1)', false],
    ["NOT STARTSWITH(tags.missing, 'x')", false],
    ["NOT CONTAINS(deviceId, 'gateway')", true],
    ["CONTAINS(tags.list, 'x')", false],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });

  it.each([
    ["STARTSWITH(tags.location.floor, '3')", undefined],
    ["CONTAINS(tags.missing, 'a')", undefined],
    ["ENDSWITH('abc', 'c')", true],
  ])('value of %s is %p', (expression, expected) => {
    expect(valueOf(expression)).toBe(expected);
  });
});

describe('evaluate: property names', () => {
  it.each([
    ["tags.[[my-key]] = 'dashed'", true],
    ['tags.[[odd name]] = 1', true],
    ["tags.1st = 'digit-first'", true],
    ["tags.[[1st]] = 'digit-first'", true],
    ['properties.desired.$version = 4', true],
    ['properties.reported.$version = 7', true],
    ["properties.desired.$metadata.$lastUpdated > '2026'", true],
    ["tags.quote = 'it\\'s \"quoted\" \\\\ here'", true],
    ['tags.quote = "it\'s \\"quoted\\" \\\\ here"', true],
    ["tags.accent = 'caf\\u00e9'", true],
    ["tags.Mixed = 'upper'", true],
    ["tags.mixed = 'lower'", true],
    ["tags.MIXED = 'upper'", false],
    ["tags.MIXED = 'lower'", false],
    ["tags.unique = 'found-ignoring-case'", true],
    ["DeviceId = 'building-7-floor-3-sensor-12'", true],
    ['tags.constructor = tags.constructor', false],
    ['IS_DEFINED(tags.__proto__)', false],
    ['IS_DEFINED(tags.toString)', false],
    ['IS_DEFINED(tags.list.length)', false],
    ['IS_DEFINED(tags.list.0)', false],
    ['tags.[[list]] = tags.list', false],
  ])('%s → %s', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });

  it('selects nothing on a twin that lacks the tags', () => {
    const conditions = [
      "tags.location.region = 'US'",
      'tags.location.floor > 0',
      "tags.location.region NIN ['EU']",
    ];
    for (const condition of conditions) expect(matches(condition, bareTwin)).toBe(false);
    expect(matches('NOT IS_DEFINED(tags.location)', bareTwin)).toBe(true);
  });

  it('treats non-JSON values in a document as undefined', () => {
    const odd = {
      count: Number.NaN,
      huge: Number.POSITIVE_INFINITY,
      callback: (): number => 1,
      big: BigInt(1),
    };
    expect(
      matches('IS_DEFINED(count) OR IS_DEFINED(huge) OR IS_DEFINED(callback) OR IS_DEFINED(big)', odd),
    ).toBe(false);
  });

  it('reads class instances (such as an SDK Twin) through their own properties', () => {
    class TwinLike {
      readonly deviceId = 'd1';
      readonly tags = { region: 'US' };
      describe(): string {
        return this.deviceId;
      }
    }
    expect(
      matches("deviceId = 'd1' AND tags.region = 'US' AND NOT IS_DEFINED(describe)", new TwinLike()),
    ).toBe(true);
  });

  it('evaluates a device-job row through the devices.jobs qualifier', () => {
    const query = parseQuery(
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'reboot-2026-11-26' AND devices.jobs.outcome.deviceMethodResponse.status = 200",
    );
    expect(evaluate(query.where, deviceJobRow)).toBe(true);
    expect(evaluate(query.where, { ...deviceJobRow, jobId: 'other' })).toBe(false);
  });

  it('selects every document with the * condition', () => {
    expect(evaluate(parseCondition('*'), bareTwin)).toBe(true);
    expect(evaluate(parseCondition('*'), {})).toBe(true);
  });
});

describe('evaluate: long IN lists', () => {
  const filler = Array.from({ length: 40 }, (_, index) => `'id-${index}'`).join(', ');
  it.each([
    [`tags.location.floor IN [${filler}, '3']`, false],
    [`tags.location.floor IN [${filler}, 3]`, true],
    [`tags.location.floor NIN [${filler}, '3']`, true],
    [`tags.nothing IN [${filler}, null]`, true],
    [`deviceId IN [${filler}, 'building-7-floor-3-sensor-12']`, true],
    [`tags.missing NIN [${filler}]`, false],
    [`properties.reported.online IN [${filler}, 'true']`, false],
  ])('%#: a list of 41 constants matches by type and value', (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });

  it('answers the same for the same list on many documents', () => {
    const condition = parseCondition(`deviceId IN [${filler}, 'gateway-1']`);
    expect([sensorTwin, bareTwin, sensorTwin, bareTwin].map((twin) => evaluate(condition, twin))).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});
