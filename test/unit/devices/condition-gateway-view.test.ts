import { conditionGatewayView, type DeviceGateway } from '../../../shared/devices/device-gateway';

describe('conditionGatewayView', () => {
  it('passes conditions, pages, method calls, twin reads and etags through to the gateway', async () => {
    const pageRequests: [string, unknown][] = [];
    const updates: [string, unknown, string | undefined][] = [];
    const gateway: DeviceGateway = {
      resolveTargets: () => {
        throw new Error('the engine resolves by page');
      },
      resolveTargetsPage: (condition, page) => {
        pageRequests.push([condition, page]);
        return Promise.resolve({ deviceIds: ['a', 'b'], continuation: 'next' });
      },
      readTwin: (deviceId) => Promise.resolve({ tags: { deviceId }, desired: {} }),
      invokeMethod: (deviceId, call) =>
        Promise.resolve({ status: 200, payload: { deviceId, call: call.methodName } }),
      updateTwin: (deviceId, patch, etag) => {
        updates.push([deviceId, patch, etag]);
        return Promise.resolve({ deviceId, etag: 'e', version: 2 });
      },
    };
    const view = conditionGatewayView(gateway);
    expect(
      await view.resolveTargetsPage("tags.building = '43'", { maxItems: 2, continuation: 'c1' }),
    ).toEqual({
      deviceIds: ['a', 'b'],
      continuation: 'next',
    });
    expect(pageRequests).toEqual([["tags.building = '43'", { maxItems: 2, continuation: 'c1' }]]);
    expect(await view.readTwin('d1')).toEqual({ tags: { deviceId: 'd1' }, desired: {} });
    expect(await view.invokeMethod('d1', { methodName: 'reboot' })).toEqual({
      status: 200,
      payload: { deviceId: 'd1', call: 'reboot' },
    });
    await view.updateTwin('d1', { tags: { a: 1 }, etag: 'AAAA' });
    await view.updateTwin('d2', { properties: { desired: { x: 1 } } });
    expect(updates).toEqual([
      ['d1', { tags: { a: 1 } }, 'AAAA'],
      ['d2', { properties: { desired: { x: 1 } } }, '*'],
    ]);
  });
});
