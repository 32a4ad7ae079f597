import { createDevicesBulkHandler } from '../../../../functions/http/devices-bulk.handler';
import { seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

function app() {
  const built = inMemoryApp();
  return { ...built, handler: createDevicesBulkHandler(() => built.composition) };
}

describe('devicesBulk (GET|POST /devices)', () => {
  it('lists up to `top` identities', async () => {
    const { handler, composition } = app();
    await seedDevices(composition, ['a', 'b', 'c']);
    const answer = await answerOf(handler, { method: 'GET', path: '/devices?top=2', policy: 'registryRead' });
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveLength(2);
  });

  it('refuses a top outside 1..1000 with 400 ArgumentInvalid', async () => {
    const { handler } = app();
    const answer = await answerOf(handler, { method: 'GET', path: '/devices?top=0' });
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
  });

  it('creates devices in bulk, answering each device’s outcome (400 when one fails)', async () => {
    const { handler, ports } = app();
    const body = [
      { id: 'bulk-1', importMode: 'create' },
      { id: 'bulk-2', importMode: 'create' },
    ];
    const created = await answerOf(handler, { method: 'POST', path: '/devices', body });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ isSuccessful: true, errors: [] });
    expect([...ports.registry.devices.keys()].sort()).toEqual(['bulk-1', 'bulk-2']);
    const again = await answerOf(handler, { method: 'POST', path: '/devices', body: body.slice(0, 1) });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({
      isSuccessful: false,
      errors: [expect.objectContaining({ deviceId: 'bulk-1' })],
    });
  });

  it('refuses a bulk write to a registry reader with 401', async () => {
    const { handler } = app();
    const answer = await answerOf(handler, {
      method: 'POST',
      path: '/devices',
      body: [],
      policy: 'registryRead',
    });
    expect(answer.status).toBe(401);
  });
});
