import { JobValidationError } from '../../../../shared/jobs/core/job-errors';
import { normalizeJobRequest } from '../../../../shared/jobs/core/job-request-validation';

/**
 * A method job's payload property names follow the jobs devguide's rule at any depth; each bad payload answers
 * what it has always answered (captured on the hand-written walk before it moved onto a schema).
 */
const NOW = new Date('2026-12-07T04:00:00.000Z');

function answer(method: Record<string, unknown>): string {
  const body = { type: 'scheduleDeviceMethod', queryCondition: '*', cloudToDeviceMethod: method };
  try {
    return JSON.stringify(normalizeJobRequest(body, { urlJobId: 'job-1', now: NOW }).cloudToDeviceMethod);
  } catch (error: unknown) {
    if (!(error instanceof JobValidationError)) throw error;
    return `${error.code} ${error.field} | ${error.message}`;
  }
}

const withPayload = (json: string) => answer({ methodName: 'reboot', payload: JSON.parse(json) as unknown });
const refused = (field: string, reason: string) => `ArgumentInvalid ${field} | ${field}: ${reason}`;
const forbidden = (field: string, name: string, character: string) =>
  refused(field, `the name '${name}' contains the forbidden character ${character}`);

describe('method payload property names', () => {
  it.each<[string, string]>([
    ['{"a:b":1}', forbidden('cloudToDeviceMethod.payload', 'a:b', "':'")],
    ['{"":1}', refused('cloudToDeviceMethod.payload', 'a name may not be empty')],
    ['{"ok":{"x y":1}}', forbidden('cloudToDeviceMethod.payload.ok', 'x y', 'U+0020')],
    ['{"list":[1,{"é":2}]}', forbidden('cloudToDeviceMethod.payload.list[1]', 'é', 'U+00E9')],
    ['[{"$a":1}]', forbidden('cloudToDeviceMethod.payload[0]', '$a', "'$'")],
    ['[[true,{"b(":1}]]', forbidden('cloudToDeviceMethod.payload[0][1]', 'b(', "'('")],
    ['{"__proto__":{"x?":1}}', forbidden('cloudToDeviceMethod.payload.__proto__', 'x?', "'?'")],
    ['{"constructor":{"a=":1}}', forbidden('cloudToDeviceMethod.payload.constructor', 'a=', "'='")],
    ['{"a.b":{"c@":1}}', forbidden('cloudToDeviceMethod.payload.a.b', 'c@', "'@'")],
    ['{"0":{"c{":1}}', forbidden('cloudToDeviceMethod.payload.0', 'c{', "'{'")],
    ['{"ok":1,"b;":2,"c<":3}', forbidden('cloudToDeviceMethod.payload', 'b;', "';'")],
    ['{"a":{"b,":1},"c>":2}', forbidden('cloudToDeviceMethod.payload.a', 'b,', "','")],
    ['{"a":{"b":{"c":[{"d":{"e]":1}}]}}}', forbidden('cloudToDeviceMethod.payload.a.b.c[0].d', 'e]', "']'")],
    ['{"tab\\t":1}', forbidden('cloudToDeviceMethod.payload', 'tab\t', 'U+0009')],
    ['{"smile😀":1}', forbidden('cloudToDeviceMethod.payload', 'smile😀', 'U+1F600')],
    ['{"q\\"":1}', forbidden('cloudToDeviceMethod.payload', 'q"', `'"'`)],
    ['{"back\\\\slash":1}', forbidden('cloudToDeviceMethod.payload', 'back\\slash', "'\\'")],
    ['{"del\\u007f":1}', forbidden('cloudToDeviceMethod.payload', 'del\u007f', 'U+007F')],
  ])('refuses %s', (payload, expected) => {
    expect(withPayload(payload)).toBe(expected);
  });

  it('checks the method name before the payload, and the method fields before both', () => {
    expect(answer({ methodName: 'a:b', payload: { 'c:d': 1 } })).toBe(
      forbidden('cloudToDeviceMethod.methodName', 'a:b', "':'"),
    );
    expect(answer({ methodName: 'ok', payload: { 'c:d': 1 }, responseTimeoutInSeconds: 1 })).toBe(
      refused(
        'cloudToDeviceMethod.responseTimeoutInSeconds',
        'must be a whole number of seconds from 5 to 300',
      ),
    );
  });

  it.each<[string]>([
    ['"a:b"'],
    ['null'],
    ['42'],
    ['["x y", {"a":{"b-c_d~e.f!g#h%i&j*k+l\'m^n`o|p":[{"q":null}]}}]'],
    ['{"__proto__":{"ok":1},"constructor":[]}'],
  ])('accepts %s', (payload) => {
    const expected = JSON.parse(payload) as unknown;
    expect(JSON.parse(withPayload(payload))).toEqual({
      methodName: 'reboot',
      payload: expected,
      responseTimeoutInSeconds: 30,
      connectTimeoutInSeconds: 0,
    });
  });
});
