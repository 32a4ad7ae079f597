import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import * as options from '../../../../packages/cli/option-parsers';
import { jsonParseError } from '../../../support/json-parse-error';

const { choice, idFile, idList, jobPriority, jsonObject, jsonValue } = options;
const { nonNegativeInteger, percentage, positiveInteger, positiveNumber } = options;

// The messages are those the hand-written parsers gave before the options were read by schemas.
const refusals: [string, string, string, (value: string) => unknown][] = [
  ['positiveInteger', '0', 'Must be a whole number of at least 1.', positiveInteger],
  ['positiveInteger', '2.5', 'Must be a whole number of at least 1.', positiveInteger],
  ['positiveInteger', ' ', 'Must be a whole number of at least 1.', positiveInteger],
  ['positiveInteger', 'ten', 'Must be a whole number of at least 1.', positiveInteger],
  ['nonNegativeInteger', '-1', 'Must be a whole number of at least 0.', nonNegativeInteger],
  ['nonNegativeInteger', '', 'Must be a whole number of at least 0.', nonNegativeInteger],
  ['jobPriority', '0', 'Must be a whole number from 1 to 10.', jobPriority],
  ['jobPriority', '11', 'Must be a whole number from 1 to 10.', jobPriority],
  ['jobPriority', '5.5', 'Must be a whole number from 1 to 10.', jobPriority],
  ['jobPriority', '', 'Must be a whole number from 1 to 10.', jobPriority],
  ['percentage', '100.5', 'Must be a number from 0 to 100.', percentage],
  ['percentage', '-1', 'Must be a number from 0 to 100.', percentage],
  ['percentage', 'half', 'Must be a number from 0 to 100.', percentage],
  ['percentage', '', 'Must be a number from 0 to 100.', percentage],
  ['positiveNumber', '0', 'Must be a positive number.', positiveNumber],
  ['positiveNumber', 'Infinity', 'Must be a positive number.', positiveNumber],
  ['positiveNumber', 'x', 'Must be a positive number.', positiveNumber],
  ['idList', ' , ,', 'Name at least one device id.', idList],
  ['jsonValue', '{', `Not valid JSON: ${jsonParseError('{')}`, jsonValue],
  [
    'jsonValue',
    '@/no/such/file.json',
    "Cannot read /no/such/file.json: ENOENT: no such file or directory, open '/no/such/file.json'",
    jsonValue,
  ],
  ['jsonObject', '[1]', 'Must be a JSON object.', jsonObject],
  ['jsonObject', 'null', 'Must be a JSON object.', jsonObject],
  ['jsonObject', 'nope', `Not valid JSON: ${jsonParseError('nope')}`, jsonObject],
  ['choice', 'Failed', 'Must be one of failed, timedOut, all.', choice(['failed', 'timedOut', 'all'])],
];

describe('option parsers', () => {
  test.each(refusals)('%s refuses %p: %s', (_name, value, message, parse) => {
    let thrown: unknown;
    try {
      parse(value);
    } catch (error: unknown) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toBe(message);
  });

  test.each<[string, string, unknown, (value: string) => unknown]>([
    ['positiveInteger', ' 7 ', 7, positiveInteger],
    ['positiveInteger', '1e3', 1000, positiveInteger],
    ['nonNegativeInteger', '0', 0, nonNegativeInteger],
    ['jobPriority', '10', 10, jobPriority],
    ['percentage', '12.5', 12.5, percentage],
    ['percentage', '0', 0, percentage],
    ['positiveNumber', '1.1', 1.1, positiveNumber],
    ['idList', 'a, b\nc  d', ['a', 'b', 'c', 'd'], idList],
    ['jsonValue', '[1,"x"]', [1, 'x'], jsonValue],
    ['jsonValue', 'null', null, jsonValue],
    ['jsonObject', '{"tags":{"a":1}}', { tags: { a: 1 } }, jsonObject],
    ['choice', 'timedOut', 'timedOut', choice(['failed', 'timedOut', 'all'])],
  ])('%s reads %p as %p', (_name, value, expected, parse) => {
    expect(parse(value)).toEqual(expected);
  });

  test('@file: JSON and device ids are read from files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-options-'));
    try {
      fs.writeFileSync(path.join(dir, 'patch.json'), '{"properties":{"desired":{"fw":"2"}}}');
      fs.writeFileSync(path.join(dir, 'ids.txt'), 'd1\n# a comment\nd2, d3 # trailing\n');
      fs.writeFileSync(path.join(dir, 'empty.txt'), '# nothing but comments\n\n');
      expect(jsonObject(`@${path.join(dir, 'patch.json')}`)).toEqual({
        properties: { desired: { fw: '2' } },
      });
      expect(idFile(path.join(dir, 'ids.txt'))).toEqual(['d1', 'd2', 'd3']);
      expect(() => idFile(path.join(dir, 'empty.txt'))).toThrow(
        `${path.join(dir, 'empty.txt')} holds no device id.`,
      );
      expect(() => idFile(path.join(dir, 'missing.txt'))).toThrow(/^Cannot read .*missing\.txt: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
