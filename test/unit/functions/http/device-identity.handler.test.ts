import { createDeviceIdentityHandler } from '../../../../functions/http/device-identity.handler';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const at = (method: string, deviceId: string, extra: Record<string, unknown> = {}) => ({
  method,
  path: `/devices/${deviceId}`,
  params: { id: deviceId },
  ...extra,
});

function app() {
  const built = inMemoryApp();
  return { ...built, handler: createDeviceIdentityHandler(() => built.composition) };
}

describe('deviceIdentity (GET|PUT|DELETE /devices/{id})', () => {
  it('creates a device with generated SAS keys, reads it, and deletes it', async () => {
    const { handler, ports } = app();
    const created = await answerOf(handler, at('PUT', 'dev-1', { body: { deviceId: 'dev-1' } }));
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ deviceId: 'dev-1', status: 'enabled' });
    expect(ports.registry.devices.has('dev-1')).toBe(true);
    const read = await answerOf(handler, at('GET', 'dev-1', { policy: 'registryRead' }));
    expect(read.body).toMatchObject({ deviceId: 'dev-1', etag: (created.body as { etag: string }).etag });
    expect((await answerOf(handler, at('DELETE', 'dev-1', { headers: { 'If-Match': '*' } }))).status).toBe(
      204,
    );
    expect(ports.registry.devices.has('dev-1')).toBe(false);
  });

  it('answers an unknown device with 404 DeviceNotFound', async () => {
    const { handler } = app();
    const answer = await answerOf(handler, at('GET', 'ghost'));
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('DeviceNotFound');
  });

  it('refuses to create a device whose id is taken with 409 DeviceAlreadyExists', async () => {
    const { handler } = app();
    await answerOf(handler, at('PUT', 'dev-1', { body: { deviceId: 'dev-1' } }));
    const answer = await answerOf(handler, at('PUT', 'dev-1', { body: { deviceId: 'dev-1' } }));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('DeviceAlreadyExists');
  });

  it('refuses an update at a stale etag with 412 PreconditionFailed', async () => {
    const { handler } = app();
    await answerOf(handler, at('PUT', 'dev-1', { body: { deviceId: 'dev-1' } }));
    const answer = await answerOf(
      handler,
      at('PUT', 'dev-1', {
        body: { deviceId: 'dev-1', status: 'disabled' },
        headers: { 'If-Match': '"stale"' },
      }),
    );
    expect(answer.status).toBe(412);
    expect(answer.errorCode).toBe('PreconditionFailed');
  });

  it('refuses writes to a registry reader with 401 and a body that is not an object with 400', async () => {
    const { handler, ports } = app();
    const denied = await answerOf(
      handler,
      at('PUT', 'dev-2', { body: { deviceId: 'dev-2' }, policy: 'registryRead' }),
    );
    expect(denied.status).toBe(401);
    const invalid = await answerOf(handler, at('PUT', 'dev-2', { body: '[1, 2]' }));
    expect(invalid.status).toBe(400);
    expect(invalid.errorCode).toBe('ArgumentInvalid');
    expect(ports.registry.devices.size).toBe(0);
  });
});
