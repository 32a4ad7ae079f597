import { captureSyntaxError as captureError } from './capture-syntax-error';
import {
  formatExpression,
  MAX_NESTING_DEPTH,
  MAX_QUERY_LENGTH,
  parseCondition,
  parseQuery,
  type Expression,
} from '../../../../shared/query';

const property = (...path: string[]): Expression => ({ kind: 'property', path });
const literal = (value: string | number | boolean | null): Expression => ({ kind: 'literal', value });
const equals = (left: Expression, right: Expression): Expression => ({
  kind: 'comparison',
  operator: '=',
  left,
  right,
});

describe('parseQuery: clauses', () => {
  it('parses SELECT * FROM devices WHERE ...', () => {
    expect(parseQuery("SELECT * FROM devices WHERE tags.location.region = 'US'")).toEqual({
      projection: { kind: 'all' },
      source: 'devices',
      where: equals(property('tags', 'location', 'region'), literal('US')),
      groupBy: [],
    });
  });

  it.each([
    ['SELECT * FROM devices', 'devices'],
    ['SELECT * FROM devices.modules', 'devices.modules'],
    ['SELECT * FROM devices.jobs', 'devices.jobs'],
    ['select * from Devices.Jobs', 'devices.jobs'],
  ])('%s reads from %s without a condition', (text, source) => {
    expect(parseQuery(text)).toEqual({ projection: { kind: 'all' }, source, where: null, groupBy: [] });
  });

  it('parses a projection list with aliases, qualifiers and escaped names', () => {
    const query = parseQuery(
      'SELECT deviceId, properties.reported.temperature AS temp, tags.[[my-key]], devices.status AS [[the status]] FROM devices',
    );
    expect(query.projection).toEqual({
      kind: 'list',
      items: [
        { kind: 'property', path: ['deviceId'], alias: 'deviceId' },
        { kind: 'property', path: ['properties', 'reported', 'temperature'], alias: 'temp' },
        { kind: 'property', path: ['tags', 'my-key'], alias: 'my-key' },
        { kind: 'property', path: ['status'], alias: 'the status' },
      ],
    });
  });

  it('parses TOP n', () => {
    expect(parseQuery('SELECT TOP 10 * FROM devices').top).toBe(10);
    expect(parseQuery('SELECT * FROM devices')).not.toHaveProperty('top');
  });

  it('parses COUNT() with and without an alias, and GROUP BY', () => {
    expect(parseQuery('SELECT COUNT() AS numberOfDevices FROM devices').projection).toEqual({
      kind: 'list',
      items: [{ kind: 'count', alias: 'numberOfDevices' }],
    });
    expect(parseQuery('SELECT count() FROM devices').projection).toEqual({
      kind: 'list',
      items: [{ kind: 'count', alias: '$1' }],
    });
    const grouped = parseQuery(
      'SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS n FROM devices GROUP BY properties.reported.telemetryConfig.status',
    );
    expect(grouped.groupBy).toEqual([['properties', 'reported', 'telemetryConfig', 'status']]);
  });

  it('strips the devices.jobs. qualifier in the SELECT list and WHERE of a devices.jobs query', () => {
    const query = parseQuery(
      "SELECT devices.jobs.jobId FROM devices.jobs WHERE devices.jobs.jobId = 'j1' AND devices.jobs.status = 'failed'",
    );
    expect(query.projection).toEqual({
      kind: 'list',
      items: [{ kind: 'property', path: ['jobId'], alias: 'jobId' }],
    });
    expect(query.where).toEqual({
      kind: 'and',
      operands: [equals(property('jobId'), literal('j1')), equals(property('status'), literal('failed'))],
    });
  });

  it('strips devices.modules. and devices. qualifiers for their own collections', () => {
    expect(parseQuery("SELECT * FROM devices.modules WHERE devices.modules.moduleId = 'm'").where).toEqual(
      equals(property('moduleId'), literal('m')),
    );
    expect(parseQuery("SELECT * FROM devices WHERE devices.tags.x = 'm'").where).toEqual(
      equals(property('tags', 'x'), literal('m')),
    );
  });

  it('keeps an escaped [[devices]] segment as a property name', () => {
    expect(parseCondition('[[devices]].jobs = 1')).toEqual(equals(property('devices', 'jobs'), literal(1)));
  });

  it('accepts keywords in any case', () => {
    expect(parseQuery('sElEcT * fRoM devices wHeRe a = 1 aNd NoT b = 2 Or c iN [1] OR d nin [2]')).toEqual(
      parseQuery('SELECT * FROM devices WHERE a = 1 AND NOT b = 2 OR c IN [1] OR d NIN [2]'),
    );
  });
});

describe('parseCondition: expressions', () => {
  it.each<[string, Expression | null]>([
    ['*', null],
    ['  *  ', null],
    ["deviceId = 'a'", equals(property('deviceId'), literal('a'))],
    ["'a' = deviceId", equals(literal('a'), property('deviceId'))],
    ['x <> 1', { kind: 'comparison', operator: '!=', left: property('x'), right: literal(1) }],
    ['x != 1', { kind: 'comparison', operator: '!=', left: property('x'), right: literal(1) }],
    ['x <= -1.5', { kind: 'comparison', operator: '<=', left: property('x'), right: literal(-1.5) }],
    ['x >= 0x10', { kind: 'comparison', operator: '>=', left: property('x'), right: literal(16) }],
    ['x < 1', { kind: 'comparison', operator: '<', left: property('x'), right: literal(1) }],
    ['x > 1', { kind: 'comparison', operator: '>', left: property('x'), right: literal(1) }],
    ['x = TRUE', equals(property('x'), literal(true))],
    ['x = False', equals(property('x'), literal(false))],
    ['x = NULL', equals(property('x'), literal(null))],
    ['x = Undefined', equals(property('x'), { kind: 'undefined' })],
    [
      "x IN ['a', -2, true, null]",
      { kind: 'in', negated: false, operand: property('x'), values: ['a', -2, true, null] },
    ],
    ['x NIN []', { kind: 'in', negated: true, operand: property('x'), values: [] }],
    ['x NOT IN [1]', { kind: 'in', negated: true, operand: property('x'), values: [1] }],
    ['IS_ARRAY([1, "b"])', { kind: 'call', name: 'IS_ARRAY', args: [{ kind: 'array', elements: [1, 'b'] }] }],
    ['properties.desired.$version', property('properties', 'desired', '$version')],
    ['$version', property('$version')],
    ['tags.[[a.b]].[[c d]]', property('tags', 'a.b', 'c d')],
    ['tags.and.or.not', property('tags', 'and', 'or', 'not')],
    ['-x', { kind: 'negate', operand: property('x') }],
    ['-3', literal(-3)],
    ['- - 3', literal(3)],
  ])('%s', (text, expected) => {
    expect(parseCondition(text)).toEqual(expected);
  });

  it.each([
    ['IS_DEFINED(x)', 'IS_DEFINED'],
    ['is_null(x)', 'IS_NULL'],
    ['Is_Bool(x)', 'IS_BOOL'],
    ['IS_NUMBER(x)', 'IS_NUMBER'],
    ['IS_STRING(x)', 'IS_STRING'],
    ['IS_OBJECT(x)', 'IS_OBJECT'],
    ['IS_ARRAY(x)', 'IS_ARRAY'],
    ['IS_PRIMITIVE(x)', 'IS_PRIMITIVE'],
    ["STARTSWITH(x, 'a')", 'STARTSWITH'],
    ["starts_with(x, 'a')", 'STARTSWITH'],
    ["ENDSWITH(x, 'a')", 'ENDSWITH'],
    ["Ends_With(x, 'a')", 'ENDSWITH'],
    ["contains(x, 'a')", 'CONTAINS'],
  ])('%s calls %s', (text, name) => {
    expect(parseCondition(text)).toMatchObject({ kind: 'call', name });
  });

  it.each([
    ['a = 1 OR b = 2 AND c = 3', '(a = 1) OR ((b = 2) AND (c = 3))'],
    ['a = 1 AND b = 2 OR c = 3', '((a = 1) AND (b = 2)) OR (c = 3)'],
    ['NOT a = 1 AND b = 2', '(NOT (a = 1)) AND (b = 2)'],
    ['NOT (a = 1 AND b = 2)', 'NOT ((a = 1) AND (b = 2))'],
    ['a = 1 OR b = 2 OR c = 3', '(a = 1) OR (b = 2) OR (c = 3)'],
    ['(a = 1 OR b = 2) OR c = 3', '((a = 1) OR (b = 2)) OR (c = 3)'],
    ['a + b * c = d', '(a + (b * c)) = d'],
    ['a * b + c = d', '((a * b) + c) = d'],
    ['a - b - c', '(a - b) - c'],
    ['a / b % c', '(a / b) % c'],
    ['-a * b', '(-a) * b'],
    ['a = -b + 1', 'a = ((-b) + 1)'],
    ['(a + b) * c', '(a + b) * c'],
    ['a + b IN [1]', '(a + b) IN [1]'],
    ['NOT a IN [1]', 'NOT (a IN [1])'],
  ])('precedence: %s groups as %s', (text, grouped) => {
    expect(parseCondition(text)).toEqual(parseCondition(grouped));
  });

  it('flattens long OR chains into one node instead of nesting them', () => {
    const ids = Array.from({ length: 300 }, (_, index) => `deviceId = 'd${index}'`);
    const condition = parseCondition(ids.join(' OR '));
    expect(condition).toMatchObject({ kind: 'or' });
    expect(condition?.kind === 'or' ? condition.operands.length : 0).toBe(300);
  });

  it(`accepts IN lists as long as the query fits in ${MAX_QUERY_LENGTH} characters`, () => {
    const ids = Array.from({ length: 600 }, (_, index) => `'d-${index}'`);
    const condition = parseCondition(`deviceId IN [${ids.join(', ')}]`);
    expect(condition?.kind === 'in' ? condition.values.length : 0).toBe(600);
    const tooMany = Array.from({ length: 10_000 }, (_, index) => `'device-${index}'`);
    expect(() => parseCondition(`deviceId IN [${tooMany.join(', ')}]`)).toThrow(/characters long/);
  });

  it.each([
    "tags.location.region = 'US' AND (properties.reported.temperature > 20.5 OR NOT IS_DEFINED(tags.x))",
    "deviceId IN ['a', 'b'] AND tags.[[my-key]] NIN [1, -2, null, true]",
    'STARTS_WITH(deviceId, \'it\\\'s\') OR CONTAINS(tags.q, "\\"\\\\\\n")',
    '-(a + b) * 3 % 2 / 1 - -4 >= tags.n',
    'x = undefined OR IS_ARRAY([]) OR tags.[[1 2]].$v = 1e21',
    "[[devices]].x = 1 AND [[and]] = 2 AND tags.[[a]] = 'x'",
  ])('formats %s back to text that parses to the same tree', (text) => {
    const parsed = parseCondition(text);
    expect(parsed).not.toBeNull();
    if (parsed !== null) expect(parseCondition(formatExpression(parsed))).toEqual(parsed);
  });
});

describe('syntax errors', () => {
  it.each([
    ['SELECT * FROM devices WHERE x =', 32, "expected a value after '=' but found end of query"],
    ['SELECT * FROM devices WHERE', 28, 'expected a condition but found end of query'],
    [
      'SELECT * FROM devices WHERE x = 1 y = 2',
      35,
      "expected AND, OR, GROUP BY or end of query but found 'y'",
    ],
    ['SELECT * FROM devices x', 23, "expected WHERE, GROUP BY or end of query but found 'x'"],
    ['SELECT * FROM twins', 15, "expected devices, devices.modules or devices.jobs but found 'twins'"],
    [
      'SELECT * FROM devices.configurations',
      23,
      "expected 'jobs' or 'modules' after 'devices.' but found 'configurations'",
    ],
    ['SELECT * devices', 10, "expected FROM but found 'devices'"],
    ['SELECT FROM devices', 8, "expected a property path, COUNT() or '*' but found 'FROM'"],
    ['select', 7, "expected a property path, COUNT() or '*' but found end of query"],
    ['UPDATE devices', 1, "expected SELECT but found 'UPDATE'"],
    ['SELECT TOP x * FROM devices', 12, "expected a whole number after TOP but found 'x'"],
    ['SELECT TOP 1.5 * FROM devices', 12, "expected a whole number after TOP but found '1.5'"],
    ['SELECT a AS FROM devices', 13, "expected a name after 'AS' but found 'FROM'"],
    ['SELECT a, a FROM devices', 11, "duplicate name 'a' in the SELECT list"],
    ['SELECT AVG(x) FROM devices', 8, 'aggregate AVG() is not supported: only COUNT() is'],
    [
      'SELECT IS_DEFINED(x) FROM devices',
      8,
      'IS_DEFINED() is not allowed in the SELECT list: expected a property path or COUNT()',
    ],
    ['SELECT COUNT(x) FROM devices', 14, "expected ')' after COUNT( but found 'x'"],
    ['SELECT a, COUNT() FROM devices', 31, "'a' in the SELECT list must appear in GROUP BY"],
    ['SELECT * FROM devices GROUP BY a', 23, "GROUP BY cannot be used with 'SELECT *'"],
    ['SELECT a FROM devices GROUP a', 29, "expected 'BY' after 'GROUP' but found 'a'"],
    ['SELECT a FROM devices GROUP BY', 31, 'expected a property path but found end of query'],
    ['SELECT a FROM devices GROUP BY AND', 32, "expected a property path but found 'AND'"],
    ['SELECT a, FROM devices', 11, "expected a property path, COUNT() or '*' but found 'FROM'"],
    ['SELECT * FROM devices.jobs.x', 27, "expected WHERE, GROUP BY or end of query but found '.'"],
    [
      "SELECT * FROM devices WHERE devices.jobs.jobId = 'x'",
      29,
      "'devices.jobs.' properties cannot be used in a query FROM devices",
    ],
    [
      "SELECT * FROM devices.jobs WHERE devices.status = 'x'",
      34,
      "'devices.' properties cannot be used in a query FROM devices.jobs",
    ],
    [
      'SELECT * FROM devices.jobs WHERE devices.jobs.x.',
      49,
      "expected a property name after '.' but found end of query",
    ],
  ])('%s → position %d', (text, position, detail) => {
    const error = captureError(() => parseQuery(text));
    expect(error.code).toBe('ArgumentInvalid');
    expect(error.message).toBe(`Syntax error at position ${position}: ${detail}`);
    expect(error.position).toBe(position);
  });

  it.each([
    ['', 1, 'expected a condition but found end of query'],
    ['   ', 4, 'expected a condition but found end of query'],
    ['x = 1 AND', 10, "expected a value after 'AND' but found end of query"],
    ['x = 1 OR OR y = 2', 10, "expected a value after 'OR' but found 'OR'"],
    ['NOT', 4, "expected a value after 'NOT' but found end of query"],
    ['x >', 4, "expected a value after '>' but found end of query"],
    ['x = * ', 5, "expected a value after '=' but found '*'"],
    ['(x = 1', 7, "expected an operator or ')' but found end of query"],
    ['x = 1)', 6, "expected AND, OR or end of query but found ')'"],
    ['x = 1 = 2', 7, "expected AND, OR or end of query but found '='"],
    ['x IN 1', 6, "expected an array constant '[...]' after 'IN' but found '1'"],
    ['x NIN (1)', 7, "expected an array constant '[...]' after 'NIN' but found '('"],
    ['x IN [1,', 9, 'expected a constant (string, number, true, false or null) but found end of query'],
    ['x IN [1 2]', 9, "expected ',' or ']' but found '2'"],
    ['x IN [1,]', 9, "expected a constant (string, number, true, false or null) but found ']'"],
    ['x IN [[1]]', 6, "expected an array constant '[...]' after 'IN' but found '[[1]]'"],
    ['tags.[[a]].[[b', 12, "unterminated escaped name: '[[' without ']]'"],
    ['x IN [y]', 7, "expected a constant (string, number, true, false or null) but found 'y'"],
    [
      'x IN [undefined]',
      7,
      "expected a constant (string, number, true, false or null) but found 'undefined'",
    ],
    ["x IN [-'a']", 8, "expected a number after '-' but found ''a''"],
    ['tags. = 1', 7, "expected a property name after '.' but found '='"],
    ['tags.x. = 1', 9, "expected a property name after '.' but found '='"],
    ['AND = 1', 1, "expected a condition but found 'AND'"],
    ['x = WHERE', 5, "expected a value after '=' but found 'WHERE'"],
    ['FOO(x)', 1, "unknown function 'FOO'"],
    ['x = 1 AND lower(x) = 1', 11, "unknown function 'lower'"],
    ['COUNT() > 1', 1, 'COUNT() is only allowed in the SELECT list'],
    ['IS_DEFINED()', 1, 'function IS_DEFINED expects 1 argument but got 0'],
    ['IS_NULL(a, b)', 1, 'function IS_NULL expects 1 argument but got 2'],
    ['STARTSWITH(deviceId)', 1, 'function STARTSWITH expects 2 arguments but got 1'],
    ["x = 1 OR STARTS_WITH(a, 'b', 'c')", 10, 'function STARTSWITH expects 2 arguments but got 3'],
    ['CONTAINS(a b)', 12, "expected ',' or ')' but found 'b'"],
    ['devices.jobs.jobId = 1', 1, "'devices.jobs.' properties cannot be used in a query FROM devices"],
    ['devices. = 1', 10, "expected a property name after '.' but found '='"],
  ])('condition %p → position %d', (text, position, detail) => {
    const error = captureError(() => parseCondition(text));
    expect(error.message).toBe(`Syntax error at position ${position}: ${detail}`);
    expect(error.position).toBe(position);
  });

  it('names what was expected and found as fields', () => {
    const error = captureError(() => parseCondition('x = '));
    expect({ expected: error.expected, found: error.found }).toEqual({
      expected: "a value after '='",
      found: 'end of query',
    });
  });

  it('parses a condition in the devices.jobs collection when asked', () => {
    expect(parseCondition("devices.jobs.jobId = 'j'", { source: 'devices.jobs' })).toEqual(
      equals(property('jobId'), literal('j')),
    );
  });

  it.each([
    ['parentheses', (depth: number) => `${'('.repeat(depth)}x = 1${')'.repeat(depth)}`],
    ['NOT', (depth: number) => `${'NOT '.repeat(depth)}x`],
    ['unary minus', (depth: number) => `x = ${'-'.repeat(depth)}1`],
    ['arithmetic chains', (depth: number) => `x = 1${' + 1'.repeat(depth)}`],
    ['function calls', (depth: number) => `${'IS_DEFINED('.repeat(depth)}x${')'.repeat(depth)}`],
  ])('rejects %s nested deeper than the limit, accepts them up to it', (_, build) => {
    expect(() => parseCondition(build(MAX_NESTING_DEPTH - 2))).not.toThrow();
    const error = captureError(() => parseCondition(build(MAX_NESTING_DEPTH * 2)));
    expect(error.message).toContain(`query nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`);
  });
});
