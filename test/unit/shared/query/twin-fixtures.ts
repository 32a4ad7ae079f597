/** A device twin with nested tags, nulls, mixed types and names that need escaping. */
export const sensorTwin = {
  deviceId: 'building-7-floor-3-sensor-12',
  etag: 'AAAAAAAAAAc=',
  status: 'enabled',
  version: 5,
  connectionState: 'Connected',
  tags: {
    location: { region: 'US', plant: 'Redmond43', building: 7, floor: 3 },
    firmware: '1.4.2',
    'my-key': 'dashed',
    'odd name': 1,
    '1st': 'digit-first',
    flags: { beta: true, retired: false },
    list: [1, 2, 3],
    nothing: null,
    zero: 0,
    empty: '',
    Mixed: 'upper',
    mixed: 'lower',
    Unique: 'found-ignoring-case',
    quote: 'it\'s "quoted" \\ here',
    accent: 'café',
    hex: 31,
    ratio: 0.25,
    big: 15000,
  },
  properties: {
    desired: {
      telemetryConfig: { sendFrequencyInSecs: 300 },
      $metadata: { $lastUpdated: '2026-11-26T05:00:00Z' },
      $version: 4,
    },
    reported: {
      temperature: 21.5,
      battery: 88,
      online: true,
      firmware: { version: '1.4.2' },
      $version: 7,
    },
  },
};

/** A second twin that lacks most of the first one's tags. */
export const bareTwin = {
  deviceId: 'gateway-1',
  status: 'disabled',
  version: 1,
  tags: {},
  properties: { desired: { $version: 1 }, reported: { $version: 1 } },
};

/** A device-job row as `SELECT * FROM devices.jobs` returns it. */
export const deviceJobRow = {
  deviceId: 'building-7-floor-3-sensor-12',
  jobId: 'reboot-2026-11-26',
  jobType: 'scheduleDeviceMethod',
  status: 'completed',
  startTimeUtc: '2026-11-26T05:00:00Z',
  outcome: { deviceMethodResponse: { status: 200, payload: { ok: true } } },
};
