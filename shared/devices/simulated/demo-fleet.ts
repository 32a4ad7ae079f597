import type { SimulationProfile } from './simulation-profile';

/** One device of the demo fleet, as a bulk registry entry (`POST /devices`, importMode create). */
export interface DemoDeviceEntry {
  id: string;
  importMode: 'create';
  status: 'enabled';
  tags: { building: string; floor: number; region: string; firmware: string; kind: string };
  simulation?: SimulationProfile;
}

export interface DemoFleetOptions {
  /** How many devices. */
  devices: number;
  /** Id prefix (default `device-`); ids are the prefix plus a zero-padded number. */
  prefix?: string;
  /** Share of devices that are offline (0..1, default 0). */
  offlineRate?: number;
  /** Failure rate of direct methods on every device (0..1, default 0). */
  failureRate?: number;
}

const REGIONS = ['eu-west', 'eu-north', 'us-east', 'us-west', 'asia-east'];
const FIRMWARE = ['1.0.4', '1.1.0', '1.2.3', '2.0.0'];
const KINDS = ['thermostat', 'light', 'lock', 'sensor'];
const BUILDINGS = 50;
const FLOORS = 8;

/**
 * A deterministic, tagged demo fleet: buildings 1..50 (building 43 among them) with floors 0..7 (floor 3 among
 * them), regions, firmware versions and device kinds spread evenly, so queries like
 * `tags.building = '43' AND tags.floor = 3` select a predictable slice (1/400 of the fleet).
 */
export function demoFleet(options: DemoFleetOptions): DemoDeviceEntry[] {
  const prefix = options.prefix ?? 'device-';
  const width = Math.max(5, String(options.devices - 1).length);
  const offlineEvery = options.offlineRate ? Math.round(1 / options.offlineRate) : 0;
  return Array.from({ length: options.devices }, (_, index) => {
    const entry: DemoDeviceEntry = {
      id: `${prefix}${String(index).padStart(width, '0')}`,
      importMode: 'create',
      status: 'enabled',
      tags: {
        building: String((index % BUILDINGS) + 1),
        floor: Math.floor(index / BUILDINGS) % FLOORS,
        region: REGIONS[index % REGIONS.length] ?? 'eu-west',
        firmware: FIRMWARE[Math.floor(index / 7) % FIRMWARE.length] ?? '1.0.4',
        kind: KINDS[Math.floor(index / 3) % KINDS.length] ?? 'sensor',
      },
    };
    const offline = offlineEvery > 0 && index % offlineEvery === offlineEvery - 1;
    if (offline || options.failureRate) {
      entry.simulation = {};
      if (offline) entry.simulation.offline = true;
      if (options.failureRate) entry.simulation.failureRate = options.failureRate;
    }
    return entry;
  });
}
