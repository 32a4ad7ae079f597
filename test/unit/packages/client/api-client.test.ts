import { ApiError, apiErrorOf, deviceJobsQuery, quote } from '@device-jobs/client';

describe("the client's reading of error answers and queries", () => {
  it("reads IoT Hub's error body, the header code first", () => {
    const body = JSON.stringify({ Message: 'ErrorCode:JobNotFound;Job x not found.', ExceptionMessage: '' });
    const error = apiErrorOf(404, 'Not Found', null, body);
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([404, 'JobNotFound', 'Job x not found.']);
    expect(apiErrorOf(404, 'Not Found', 'DeviceNotFound', body).code).toBe('DeviceNotFound');
  });

  it('keeps any other answer as the message, with an HTTP code when none is given', () => {
    expect(apiErrorOf(502, 'Bad Gateway', null, '<html>proxy</html>')).toMatchObject({
      code: 'HTTP502',
      message: '<html>proxy</html>',
    });
    expect(apiErrorOf(500, 'Internal Server Error', null, '')).toMatchObject({
      message: 'Internal Server Error',
    });
    expect(
      apiErrorOf(400, '', null, JSON.stringify({ message: 'bad', code: 'ArgumentInvalid' })),
    ).toMatchObject({
      code: 'ArgumentInvalid',
      message: 'bad',
    });
  });

  it('quotes query literals and selects the device results of a job', () => {
    expect(quote("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
    expect(deviceJobsQuery('j1')).toBe("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1'");
    expect(deviceJobsQuery('j1', ['failed'])).toBe(
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1' AND devices.jobs.status = 'failed'",
    );
    expect(deviceJobsQuery('j1', ['failed', 'canceled'])).toBe(
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1' AND devices.jobs.status IN ['failed', 'canceled']",
    );
  });
});
