import { parseSimulationProfile } from '../../../../../shared/devices/simulated/simulation-profile';

describe('parseSimulationProfile', () => {
  it('reads a profile, keeping methods named like Object members', () => {
    const profile = parseSimulationProfile(
      JSON.parse(
        '{"latencyMs":[1,2],"failureRate":0.5,"offline":false,"reportsBack":true,' +
          '"methods":{"__proto__":{"status":201,"payload":{"a":1}},"constructor":{"status":404}}}',
      ),
    );
    const { methods, ...rest } = profile;
    expect(rest).toEqual({ latencyMs: [1, 2], failureRate: 0.5, offline: false, reportsBack: true });
    expect(Object.getOwnPropertyDescriptor(methods, '__proto__')?.value).toEqual({
      status: 201,
      payload: { a: 1 },
    });
    expect(Object.keys(methods ?? {})).toEqual(['__proto__', 'constructor']);
    expect(parseSimulationProfile({})).toEqual({});
  });

  it.each([
    [[], 'simulation must be a JSON object.'],
    [{ latency: 5 }, 'simulation.latency is not a simulation setting.'],
    [
      { latencyMs: -1 },
      'simulation.latencyMs must be a number of ms or a [min, max] range within 0..600000.',
    ],
    [
      { latencyMs: [5, 1] },
      'simulation.latencyMs must be a number of ms or a [min, max] range within 0..600000.',
    ],
    [
      { latencyMs: [1, 2, 3] },
      'simulation.latencyMs must be a number of ms or a [min, max] range within 0..600000.',
    ],
    [{ failureRate: 2 }, 'simulation.failureRate must be a number from 0 to 1.'],
    [{ offline: 'yes' }, 'simulation.offline must be a boolean.'],
    [{ reportsBack: null }, 'simulation.reportsBack must be a boolean.'],
    [{ methods: [] }, 'simulation.methods must be an object.'],
    [
      { methods: { reboot: { status: 1.5 } } },
      'simulation.methods.reboot must be {"status": <integer>, "payload": …}.',
    ],
  ])('refuses %j: %s', (profile, message) => {
    expect(() => parseSimulationProfile(profile)).toThrow(message);
  });
});
