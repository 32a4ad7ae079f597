import type { DeviceGateway } from '../../../shared/devices/device-gateway';
import { codeOf } from './code-of';

/** A bulk registry entry with the embedded registry's extension fields. */
export interface ContractDevice {
  id: string;
  tags?: Record<string, string | number>;
  simulation?: Record<string, unknown>;
}

export interface ContractSubject {
  gateway: DeviceGateway;
  /** Creates devices in the registry behind the gateway (default profile: ~10 ms latency, no failures). */
  addDevices(devices: ContractDevice[]): Promise<void>;
}

export const CONTRACT_FLEET: ContractDevice[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({ id: `c-b43f3-${n}`, tags: { building: '43', floor: 3 } })),
  { id: 'c-b43f2', tags: { building: '43', floor: 2 } },
  { id: 'c-b7', tags: { building: '7', floor: 3 } },
  { id: 'c-offline', tags: { building: '9' }, simulation: { offline: true } },
  { id: 'c-slow', tags: { building: '9' }, simulation: { latencyMs: 6000 } },
  { id: 'c-failing', tags: { building: '9' }, simulation: { failureRate: 1 } },
  {
    id: 'c-reboot',
    tags: { building: '9' },
    simulation: { methods: { reboot: { status: 202, payload: { ok: true } } } },
  },
];

async function collect(pages: AsyncIterable<string[]>): Promise<string[][]> {
  const result: string[][] = [];
  for await (const page of pages) result.push(page);
  return result;
}

/** The DeviceGateway contract, run against every adapter. */
export function gatewayContract(subject: () => ContractSubject): void {
  beforeAll(async () => {
    await subject().addDevices(CONTRACT_FLEET);
  });

  describe('resolveTargets', () => {
    it('pages the devices a condition selects', async () => {
      const pages = await collect(
        subject().gateway.resolveTargets(
          { condition: "tags.building = '43' AND tags.floor = 3" },
          { pageSize: 2 },
        ),
      );
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().sort()).toEqual(['c-b43f3-1', 'c-b43f3-2', 'c-b43f3-3', 'c-b43f3-4', 'c-b43f3-5']);
    });

    it('selects every device with *', async () => {
      const ids = (
        await collect(subject().gateway.resolveTargets({ condition: '*' }, { pageSize: 100 }))
      ).flat();
      for (const device of CONTRACT_FLEET) expect(ids).toContain(device.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('yields an id list once per id, in order, missing ids included', async () => {
      const pages = await collect(
        subject().gateway.resolveTargets(
          { deviceIds: ['c-b7', 'c-missing', 'c-b7', 'c-reboot'] },
          { pageSize: 2 },
        ),
      );
      expect(pages).toEqual([['c-b7', 'c-missing'], ['c-reboot']]);
    });

    it('refuses a condition that does not parse', async () => {
      expect(await codeOf(collect(subject().gateway.resolveTargets({ condition: 'tags.building = ' })))).toBe(
        'ArgumentInvalid',
      );
    });
  });

  describe('invokeMethod', () => {
    it('returns what the device answers', async () => {
      const { gateway } = subject();
      expect(
        await gateway.invokeMethod('c-reboot', { methodName: 'reboot', responseTimeoutInSeconds: 5 }),
      ).toEqual({
        status: 202,
        payload: { ok: true },
      });
      expect(await gateway.invokeMethod('c-b7', { methodName: 'ping', payload: { n: 1 } })).toEqual({
        status: 200,
        payload: { methodName: 'ping', echo: { n: 1 } },
      });
      expect((await gateway.invokeMethod('c-failing', { methodName: 'reboot' })).status).toBe(500);
    });

    it('fails with DeviceNotOnline, DeviceNotFound and ArgumentInvalid', async () => {
      const { gateway } = subject();
      expect(await codeOf(gateway.invokeMethod('c-offline', { methodName: 'reboot' }))).toBe(
        'DeviceNotOnline',
      );
      expect(await codeOf(gateway.invokeMethod('c-missing', { methodName: 'reboot' }))).toBe(
        'DeviceNotFound',
      );
      expect(
        await codeOf(gateway.invokeMethod('c-b7', { methodName: 'x', responseTimeoutInSeconds: 1 })),
      ).toBe('ArgumentInvalid');
    });

    it('fails with GatewayTimeout when the device answers after the response timeout', async () => {
      const started = Date.now();
      expect(
        await codeOf(
          subject().gateway.invokeMethod('c-slow', { methodName: 'reboot', responseTimeoutInSeconds: 5 }),
        ),
      ).toBe('GatewayTimeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    }, 20_000);
  });

  describe('updateTwin', () => {
    it('patches tags and desired properties, with * or the current etag', async () => {
      const { gateway } = subject();
      // Tags only: a desired patch makes the simulated device report back, which changes the etag again.
      const first = await gateway.updateTwin('c-b43f2', { tags: { floor: 4 } });
      expect(first.deviceId).toBe('c-b43f2');
      const second = await gateway.updateTwin('c-b43f2', { tags: { wing: 'north' } }, first.etag);
      expect(second.version).toBeGreaterThan(first.version);
      expect(second.etag).not.toBe(first.etag);
      const desired = await gateway.updateTwin('c-b43f2', { properties: { desired: { interval: 5 } } });
      expect(desired.version).toBeGreaterThan(second.version);
      const moved = (
        await collect(gateway.resolveTargets({ condition: "tags.wing = 'north' AND tags.floor = 4" }))
      ).flat();
      expect(moved).toEqual(['c-b43f2']);
    });

    it('fails with PreconditionFailed on a stale etag and DeviceNotFound for a missing device', async () => {
      const { gateway } = subject();
      const current = await gateway.updateTwin('c-b7', { tags: { touched: 1 } });
      await gateway.updateTwin('c-b7', { tags: { touched: 2 } });
      expect(await codeOf(gateway.updateTwin('c-b7', { tags: { touched: 3 } }, current.etag))).toBe(
        'PreconditionFailed',
      );
      expect(await codeOf(gateway.updateTwin('c-missing', { tags: { a: 1 } }))).toBe('DeviceNotFound');
    });

    it('refuses patches beyond twin rules', async () => {
      expect(await codeOf(subject().gateway.updateTwin('c-b7', { tags: { 'bad.key': 1 } }))).toBe(
        'ArgumentInvalid',
      );
    });
  });
}
