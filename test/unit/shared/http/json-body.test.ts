import {
  ArgumentInvalidError,
  decodeUtf8Body,
  jsonNestingDepth,
  MAX_JSON_DEPTH,
  parseJsonBody,
  readJsonBody,
  readJsonObject,
  RequestEntityTooLargeError,
  toErrorResponse,
} from '../../../../shared/http';
import {
  StorageUnavailableError,
  storageUnavailability,
} from '../../../../shared/storage/storage-availability';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const bodyOf = (content: string | Uint8Array) => ({
  arrayBuffer: () => Promise.resolve(new Uint8Array(Buffer.from(content)).buffer),
});

describe('JSON request bodies', () => {
  it('measures nesting in one pass, ignoring brackets inside strings and escaped quotes', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonNestingDepth('{"a":"[[[[\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('42')).toBe(0);
    expect(jsonNestingDepth(nested(100_000))).toBe(100_000);
  });

  it('refuses bodies nested deeper than the limit before parsing them, whatever the depth', () => {
    expect(parseJsonBody(nested(MAX_JSON_DEPTH))).toBeDefined();
    for (const depth of [MAX_JSON_DEPTH + 1, 10_000, 100_000]) {
      expect(() => parseJsonBody(nested(depth), 'method call')).toThrow(
        new ArgumentInvalidError(
          `The method call nests objects and arrays ${depth} levels deep: at most ${MAX_JSON_DEPTH} are allowed.`,
        ),
      );
    }
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', async () => {
    expect(decodeUtf8Body(Buffer.from('{"a":"é"}'))).toBe('{"a":"é"}');
    const invalid = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(() => decodeUtf8Body(invalid, 'twin')).toThrow('The twin is not valid UTF-8.');
    await expect(readJsonObject(bodyOf(invalid), 'twin')).rejects.toBeInstanceOf(ArgumentInvalidError);
    const overlong = Buffer.from([0x22, 0xc0, 0xaf, 0x22]);
    await expect(readJsonBody(bodyOf(overlong))).rejects.toThrow(/not valid UTF-8/);
  });

  it('refuses a body over the size cap with 413 RequestEntityTooLarge', async () => {
    await expect(readJsonBody(bodyOf('{"a":1}'), 'twin', 7)).resolves.toEqual({ a: 1 });
    const refusal = readJsonBody(bodyOf('{"a":12}'), 'twin', 7);
    await expect(refusal).rejects.toBeInstanceOf(RequestEntityTooLargeError);
    await expect(refusal).rejects.toMatchObject({ status: 413, code: 'RequestEntityTooLarge' });
  });

  it('wants an object where an object is required', async () => {
    await expect(readJsonObject(bodyOf('[1]'), 'twin')).rejects.toThrow('The twin must be a JSON object.');
    await expect(readJsonObject(bodyOf(''), 'twin')).rejects.toThrow(/empty/);
  });
});

describe('storage outages on the wire', () => {
  it('answers 503 ServiceUnavailable with Retry-After and says storage is unreachable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), {
      name: 'RestError',
      code: 'ECONNREFUSED',
    });
    const outage = storageUnavailability(refused);
    expect(outage).toBeInstanceOf(StorageUnavailableError);
    const response = toErrorResponse(outage);
    expect(response.status).toBe(503);
    expect(response.headers['iothub-errorcode']).toBe('ServiceUnavailable');
    expect(response.headers['Retry-After']).toBe('5');
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({
      Message: expect.stringMatching(/^ErrorCode:ServiceUnavailable;Storage is unreachable \(ECONNREFUSED\)/),
    });
  });

  it('leaves answers of a reachable storage alone, except "busy"', () => {
    const notFound = Object.assign(new Error('not found'), { name: 'RestError', statusCode: 404 });
    expect(storageUnavailability(notFound)).toBeUndefined();
    expect(storageUnavailability(new Error('plain'))).toBeUndefined();
    const busy = Object.assign(new Error('busy'), { name: 'RestError', statusCode: 503 });
    expect(storageUnavailability(busy)?.message).toMatch(/busy/);
  });
});
