import { demoFleet } from '../../../../../shared/devices/simulated/demo-fleet';
import { demoFleetTimer } from '../../../../../shared/devices/simulated/demo-fleet-seeder';
import { drawsFor, latencyFrom } from '../../../../../shared/devices/simulated/simulation-draws';

describe('demoFleet', () => {
  it('spreads buildings, floors, regions and firmware so building 43 floor 3 is a predictable slice', () => {
    const fleet = demoFleet({ devices: 4000 });
    expect(new Set(fleet.map((d) => d.id)).size).toBe(4000);
    expect(fleet[0]?.id).toBe('device-00000');
    const slice = fleet.filter((d) => d.tags.building === '43' && d.tags.floor === 3);
    expect(slice).toHaveLength(10);
    expect(new Set(fleet.map((d) => d.tags.region)).size).toBe(5);
    expect(new Set(fleet.map((d) => d.tags.firmware))).toEqual(new Set(['1.0.4', '1.1.0', '1.2.3', '2.0.0']));
    expect(fleet.every((d) => d.simulation === undefined)).toBe(true);
  });

  it('marks the requested share offline and sets failure rates', () => {
    const fleet = demoFleet({ devices: 1000, offlineRate: 0.05, failureRate: 0.1, prefix: 'x-' });
    expect(fleet.filter((d) => d.simulation?.offline === true)).toHaveLength(50);
    expect(fleet.every((d) => d.simulation?.failureRate === 0.1)).toBe(true);
    expect(fleet[999]?.id).toBe('x-00999');
  });
});

describe('simulation draws', () => {
  it('are deterministic under a seed and differ per identity', () => {
    expect(drawsFor('s', 'dev', 'reboot')).toEqual(drawsFor('s', 'dev', 'reboot'));
    expect(drawsFor('s', 'dev', 'reboot')).not.toEqual(drawsFor('s', 'dev2', 'reboot'));
    expect(drawsFor('s', 'dev', 'reboot')).not.toEqual(drawsFor('t', 'dev', 'reboot'));
    for (const draw of drawsFor(undefined, 'x')) expect(draw >= 0 && draw < 1).toBe(true);
  });

  it('turns a draw into a latency within the profile range', () => {
    expect(latencyFrom(50, 0.9)).toBe(50);
    expect(latencyFrom([20, 80], 0)).toBe(20);
    expect(latencyFrom([20, 80], 0.5)).toBe(50);
    expect(latencyFrom([20, 80], 0.9999)).toBe(80);
    expect(latencyFrom(undefined, 0.5)).toBe(0);
  });

  it('fails about failureRate of seeded devices', () => {
    const failing = Array.from({ length: 2000 }, (_, i) => drawsFor('seed', `d${i}`, 'm')[1]).filter(
      (d) => d < 0.1,
    );
    expect(failing.length).toBeGreaterThan(150);
    expect(failing.length).toBeLessThan(250);
  });
});

describe('demoFleetTimer', () => {
  const simulated = { gateway: 'simulated', demoFleetSize: 1000 };

  it('seeds nothing when no fleet is asked for', () => {
    expect(demoFleetTimer({ ...simulated, demoFleetSize: 0 }, false)).toBeUndefined();
    expect(demoFleetTimer({ ...simulated, gateway: 'iothub' }, true)).toBeUndefined();
  });

  it('runs at host start locally, on a schedule only in Azure (runOnStartup fires on every scale-out)', () => {
    expect(demoFleetTimer(simulated, false)).toMatchObject({ runOnStartup: true });
    expect(demoFleetTimer(simulated, true)).toEqual({ schedule: '0 */15 * * * *', runOnStartup: false });
  });
});
