import { createTwinHandler } from '../../../../functions/http/twin.handler';
import { seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

async function app() {
  const built = inMemoryApp();
  await seedDevices(built.composition, ['t-1']);
  return { ...built, handler: createTwinHandler(() => built.composition) };
}
const twin = (method: string, deviceId: string, extra: Record<string, unknown> = {}) => ({
  method,
  path: `/twins/${deviceId}`,
  params: { id: deviceId },
  ...extra,
});

describe('twin (GET|PATCH|PUT /twins/{id})', () => {
  it('reads a twin and merges a patch into its desired properties, bumping its version', async () => {
    const { handler } = await app();
    const before = await answerOf(handler, twin('GET', 't-1', { policy: 'registryRead' }));
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ deviceId: 't-1', tags: { fleet: 'unit' } });
    const patched = await answerOf(
      handler,
      twin('PATCH', 't-1', { body: { properties: { desired: { fw: '2.0' } } }, policy: 'service' }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ properties: { desired: { fw: '2.0' } }, tags: { fleet: 'unit' } });
    expect((patched.body as { version: number }).version).toBeGreaterThan(
      (before.body as { version: number }).version,
    );
  });

  it('refuses a patch at a stale etag with 412 PreconditionFailed', async () => {
    const { handler } = await app();
    const answer = await answerOf(
      handler,
      twin('PATCH', 't-1', { body: { tags: { a: 1 } }, headers: { 'If-Match': '"stale"' } }),
    );
    expect(answer.status).toBe(412);
    expect(answer.errorCode).toBe('PreconditionFailed');
  });

  it('refuses reported properties in a patch with 400 and answers an unknown device with 404', async () => {
    const { handler } = await app();
    const reported = await answerOf(
      handler,
      twin('PATCH', 't-1', { body: { properties: { reported: { x: 1 } } } }),
    );
    expect(reported.status).toBe(400);
    expect(reported.errorCode).toBe('ArgumentInvalid');
    const unknown = await answerOf(handler, twin('GET', 'ghost'));
    expect(unknown.status).toBe(404);
    expect(unknown.errorCode).toBe('DeviceNotFound');
  });

  it('refuses a write to a registry reader with 401', async () => {
    const { handler } = await app();
    const answer = await answerOf(
      handler,
      twin('PUT', 't-1', { body: { tags: {} }, policy: 'registryRead' }),
    );
    expect(answer.status).toBe(401);
  });
});
