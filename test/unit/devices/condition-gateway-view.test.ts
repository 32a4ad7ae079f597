import {
  conditionGatewayView,
  pagesOfIds,
  type DeviceGateway,
  type TargetSelection,
} from '../../../shared/devices/device-gateway';

describe('conditionGatewayView', () => {
  it('passes conditions, page sizes, method calls and etags through to the gateway', async () => {
    const selections: [TargetSelection, number | undefined][] = [];
    const updates: [string, unknown, string | undefined][] = [];
    const gateway: DeviceGateway = {
      resolveTargets: (selection, options) => {
        selections.push([selection, options?.pageSize]);
        return pagesOfIds(['a', 'b', 'a', 'c'], 2);
      },
      invokeMethod: (deviceId, call) =>
        Promise.resolve({ status: 200, payload: { deviceId, call: call.methodName } }),
      updateTwin: (deviceId, patch, etag) => {
        updates.push([deviceId, patch, etag]);
        return Promise.resolve({ deviceId, etag: 'e', version: 2 });
      },
    };
    const view = conditionGatewayView(gateway, 500);
    const pages: string[][] = [];
    for await (const page of view.resolveTargets("tags.building = '43'")) pages.push(page);
    expect(pages).toEqual([['a', 'b'], ['c']]);
    expect(selections).toEqual([[{ condition: "tags.building = '43'" }, 500]]);
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
