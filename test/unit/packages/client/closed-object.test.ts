import * as v from 'valibot';
import { closedObject, parseOrProblem } from '@device-jobs/client/schemas';

const Reason = closedObject({ reason: v.nullish(v.string('must be a string')) });

describe('closedObject', () => {
  it.each([
    ['an array', [], { field: 'control', reason: 'must be an object' }],
    ['an array of a field name', ['reason'], { field: 'control', reason: 'must be an object' }],
    ['null', null, { field: 'control', reason: 'must be an object' }],
    [
      'an unknown field',
      { force: 1 },
      { field: 'control.force', reason: 'is not a field of control (reason)' },
    ],
    [
      'a __proto__ field (a key of JSON.parse)',
      JSON.parse('{"__proto__":{}}'),
      { field: 'control.__proto__', reason: 'is not a field of control (reason)' },
    ],
    ['a bad field', { reason: 5 }, { field: 'control.reason', reason: 'must be a string' }],
  ])('refuses %s', (_label, value, problem) => {
    expect(parseOrProblem(Reason, value, 'control')).toEqual({ problem });
  });

  it('accepts its fields, leaving null ones out', () => {
    expect(parseOrProblem(Reason, { reason: 'x' }, '')).toEqual({ value: { reason: 'x' } });
    expect(parseOrProblem(Reason, { reason: null }, '')).toEqual({ value: {} });
  });

  it('words its refusals as told and passes over the ignored fields', () => {
    const Worded = closedObject(
      { reason: v.nullish(v.string('must be a string')) },
      { message: 'must be a JSON object', refusal: 'is not a field of a pause request', ignored: ['seen'] },
    );
    expect(parseOrProblem(Worded, [], '')).toEqual({
      problem: { field: '', reason: 'must be a JSON object' },
    });
    expect(parseOrProblem(Worded, { why: 1 }, '')).toEqual({
      problem: { field: 'why', reason: 'is not a field of a pause request' },
    });
    expect(parseOrProblem(Worded, { seen: 1, reason: 'x' }, '')).toEqual({ value: { reason: 'x' } });
  });
});
