import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRecordedResponses } from '../../support/openapi-responses';

function logOf(...responses: object[]): string {
  const file = path.join(os.tmpdir(), `openapi-responses-${process.pid}-${Math.random()}.jsonl`);
  fs.writeFileSync(file, responses.map((response) => `${JSON.stringify(response)}\n`).join(''));
  return file;
}

const json = 'application/json; charset=utf-8';
const error = JSON.stringify({
  Message: 'ErrorCode:JobNotFound;no such job',
  ExceptionMessage: 'Tracking ID:1',
});

describe('checking recorded answers against docs/openapi.json', () => {
  it('accepts documented answers and ignores what is not an operation of the app', () => {
    const file = logOf(
      { method: 'GET', path: '/jobs/v2/nope', status: 404, contentType: json, body: error },
      { method: 'DELETE', path: '/devices/d1', status: 204, contentType: undefined, body: '' },
      {
        method: 'GET',
        path: '/runtime/webhooks/durabletask/instances',
        status: 200,
        contentType: json,
        body: '[]',
      },
    );
    expect(checkRecordedResponses(file)).toBe(3);
  });

  it('fails on a body that does not match, an undocumented status, or an error body of the wrong shape', () => {
    const file = logOf(
      { method: 'GET', path: '/jobs/v2/job-1', status: 200, contentType: json, body: '{"jobId":"job-1"}' },
      { method: 'DELETE', path: '/jobSchedules/s1', status: 200, contentType: json, body: '{}' },
      { method: 'GET', path: '/twins/d1', status: 404, contentType: json, body: '{"message":"x"}' },
    );
    expect(() => checkRecordedResponses(file)).toThrow(
      /3 of 3 answers do not match[\s\S]*GET \/jobs\/v2\/job-1 → 200[\s\S]*status 200 is not documented[\s\S]*GET \/twins\/d1 → 404/,
    );
  });
});
