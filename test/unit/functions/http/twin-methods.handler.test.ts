import { createTwinMethodsHandler } from '../../../../functions/http/twin-methods.handler';
import { INSTANT_DEVICES, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

async function app() {
  const built = inMemoryApp(INSTANT_DEVICES);
  await seedDevices(built.composition, ['m-1']);
  return createTwinMethodsHandler(() => built.composition);
}
const call = (deviceId: string, body: unknown, policy: 'service' | 'registryRead' = 'service') => ({
  method: 'POST',
  path: `/twins/${deviceId}/methods`,
  params: { id: deviceId },
  body,
  policy,
});

describe('twinMethods (POST /twins/{id}/methods)', () => {
  it('invokes a direct method on a simulated device and answers its status and payload', async () => {
    const handler = await app();
    const answer = await answerOf(handler, call('m-1', { methodName: 'reboot', payload: { now: true } }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: expect.any(Number), payload: expect.anything() });
  });

  it('refuses a response timeout out of range with 400 ArgumentInvalid', async () => {
    const handler = await app();
    const answer = await answerOf(
      handler,
      call('m-1', { methodName: 'reboot', responseTimeoutInSeconds: 100000 }),
    );
    expect(answer.status).toBe(400);
    expect((answer.body as { Message: string }).Message).toMatch(
      /^ErrorCode:ArgumentInvalid;.*responseTimeoutInSeconds/,
    );
  });

  it('answers an unknown device with 404 DeviceNotFound and a caller without ServiceConnect with 401', async () => {
    const handler = await app();
    const unknown = await answerOf(handler, call('ghost', { methodName: 'reboot' }));
    expect(unknown.status).toBe(404);
    expect(unknown.errorCode).toBe('DeviceNotFound');
    expect((await answerOf(handler, call('m-1', { methodName: 'reboot' }, 'registryRead'))).status).toBe(401);
  });
});
