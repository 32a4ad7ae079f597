import { loadConfig, type AppConfig } from './config';
import { SasAuthorizer } from './http/sas-authorizer';
import type { QuerySource } from './query';
import type { QuerySourceHandler } from './devices/query-sources';
import { EmbeddedRegistry } from './devices/simulated/embedded-registry';
import { queryTwins } from './devices/simulated/twin-query';
import { randomUUID } from 'node:crypto';
import { systemClock, systemDelays, uuids } from './support/system-time';
import fs from 'node:fs';
import path from 'node:path';
import type { JobExecutionDependencies } from './jobs/engine/job-execution';
import type { JobMaintenanceDependencies, JobOrchestrationAdmin } from './jobs/engine/job-maintenance';
import type { DeviceJobResponse } from './jobs/core/job-response';
import { createJobsService, type JobsService } from './jobs/service/jobs-service';
import {
  createJobSchedulesService,
  type JobSchedulesService,
  type ScheduleTimers,
} from './jobs/service/job-schedules';
import { parseNcrontab } from './cron/ncrontab';
import { CONTINUOUS_JOBS_CACHE_MS, ContinuousJoiner } from './jobs/engine/continuous-joiner';
import { storageJobJoinSignals } from './storage/job-join-signals';
import { type RegistryWrite, watchRegistryWrites } from './devices/registry-write-watch';
import type { DeviceRecord } from './devices/device-model';
import type { JobEventsDependencies } from './jobs/engine/job-event-publisher';
import { storageJobEventQueue } from './storage/job-event-queue';
import type { JobDeviceGateway, JobOrchestrationClient, Page } from './jobs/core/ports';
import { createJobStorage, jobTableNames } from './storage/jobs-storage';
import { SimulatedDeviceGateway } from './devices/simulated/simulated-gateway';
import { IotHubDeviceGateway } from './devices/iothub/iothub-gateway';
import { hubHostName, ServedByIotHubError } from './devices/iothub/served-by-hub';
import { deviceRegistryStorage } from './storage/device-registry-storage';
import { lazyTable, tableClient } from './storage/table-support';
import { TableDeviceOperationBudget } from './storage/device-budget-table';
import type { DeviceOperationBudget } from './jobs/core/device-budget';
import { EndpointDeviceLink } from './devices/endpoint-link';
import { planActivityTime } from './jobs/core/activity-time';
import { RegistryJobsTableRepository } from './storage/registry-jobs.repository';
import { storageBlobContainers } from './storage/registry-job-blobs';
import {
  createRegistryJobsService,
  type RegistryJobRunner,
  type RegistryJobsService,
} from './registry-jobs/registry-jobs-service';
import type { RegistryJobStepDependencies } from './registry-jobs/registry-job-steps';
import { registryExportSource, registryImportTarget } from './devices/simulated/registry-job-adapters';

export {
  COMPLETION_SIGNALS_QUEUE,
  REGISTRY_TABLE,
  REGISTRY_INDEX_TABLE,
} from './storage/device-registry-storage';

function once<T>(create: () => T): () => T {
  let value: { created: T } | undefined;
  return () => (value ??= { created: create() }).created;
}

/** The app's host.json (the Functions host runs the app from its root; compiled code lives in dist/shared). */
function readHostJson(): { functionTimeout?: unknown } | undefined {
  for (const file of [path.resolve(__dirname, '../../host.json'), path.resolve('host.json')]) {
    if (fs.existsSync(file))
      return JSON.parse(fs.readFileSync(file, 'utf8')) as { functionTimeout?: unknown };
  }
  return undefined;
}

/** The settings, read when the app loads so a missing or invalid one stops it at once, naming it. */
export const config: AppConfig = loadConfig(process.env, readHostJson);

const jobStorage = once(() => createJobStorage(config.storage, jobTableNames(config.jobs.tablePrefix)));

/** The device-operation budget all running jobs share (JOBS_DEVICE_OPERATIONS_PER_SECOND), if one is set. */
const deviceBudget = once((): { budget?: DeviceOperationBudget } => {
  const perSecond = config.jobs.deviceOperationsPerSecond;
  if (perSecond === undefined) return {};
  const table = tableClient(config.storage, jobTableNames(config.jobs.tablePrefix).jobs);
  return { budget: new TableDeviceOperationBudget(table, perSecond) };
});

/** Job events: the outbox in the jobs table and the queue of JOB_EVENTS_QUEUE (none when it is empty). */
const jobEvents = once((): JobEventsDependencies => {
  const { queueName, progressIntervalSeconds } = config.jobs.events;
  return {
    outbox: jobStorage().outbox,
    ...(queueName ? { queue: storageJobEventQueue(config.storage, queueName) } : {}),
    progressIntervalSeconds,
  };
});

/** Creates the jobs tables once per process; a failed attempt is retried by the next caller. */
let jobTables: Promise<void> | undefined;
function jobTablesReady(): Promise<void> {
  jobTables ??= jobStorage()
    .ensureTables()
    .catch((error: unknown) => {
      jobTables = undefined;
      throw error;
    });
  return jobTables;
}

/** Matches registry writes against the open continuous jobs of this host's cached list. */
const continuousJoiner = once(
  () =>
    new ContinuousJoiner({
      joins: jobStorage().joins,
      signals: storageJobJoinSignals(config.storage),
      clock: systemClock,
      cacheMs: CONTINUOUS_JOBS_CACHE_MS,
    }),
);

/**
 * The registry's write path: devices that come to match an open continuous job join it. The write is stored
 * already, so a failure here is logged, not answered (the device misses that job).
 */
async function joinContinuousJobs(
  registry: EmbeddedRegistry,
  writes: readonly RegistryWrite[],
): Promise<void> {
  const twin = (record: DeviceRecord) => () => registry.toTwinWire(registry.current(record));
  try {
    await jobTablesReady();
    await continuousJoiner().written(
      writes.map(({ before, after }) => ({
        deviceId: after.deviceId,
        after: twin(after),
        ...(before ? { before: twin(before) } : {}),
      })),
    );
  } catch (error: unknown) {
    console.warn(`Continuous jobs: registry writes not matched: ${String(error)}`);
  }
}

function refuseWhenServedByHub(): void {
  const { gateway, iothubConnectionString } = config.devices;
  if (gateway === 'iothub') throw new ServedByIotHubError(hubHostName(iothubConnectionString ?? ''));
}

/** Stands in for the durable client where a use case never starts or signals an orchestration (queries). */
const noOrchestrations: JobOrchestrationClient = {
  start: () => Promise.reject(new Error('This function has no durable client: it cannot start jobs.')),
  raiseCancel: () => Promise.reject(new Error('This function has no durable client: it cannot cancel jobs.')),
  raiseResume: () => Promise.reject(new Error('This function has no durable client: it cannot resume jobs.')),
};

function jobsService(orchestrations: JobOrchestrationClient = noOrchestrations): JobsService {
  const { jobs, deviceIdLists, deviceJobs, observations } = jobStorage();
  return createJobsService({
    jobs,
    deviceIdLists,
    deviceJobs,
    observations,
    targets: composition.deviceGateway(),
    orchestrations,
    clock: systemClock,
    ids: uuids,
    settings: config.jobs.settings,
    events: jobEvents(),
    maxActiveJobs: config.jobs.maxActiveJobs,
    parseCron: parseNcrontab,
    joins: jobStorage().joins,
    ...deviceBudget(),
  });
}

async function queryDeviceJobs(
  ...command: Parameters<JobsService['queryDeviceJobs']>
): Promise<Page<DeviceJobResponse>> {
  await jobTablesReady();
  return jobsService().queryDeviceJobs(...command);
}

/** Longest one chunk of an import or export may take: a step starts no chunk later than this before its budget. */
const REGISTRY_CHUNK_BOUND_MS = 20_000;

const registryJobsRepository = once(
  () => new RegistryJobsTableRepository(lazyTable(config.storage, `${config.jobs.tablePrefix}registryjobs`)),
);

/** The adapters, each built on first use (tables are created, if missing, on their first request). */
export const composition = {
  authorizer: once(() => new SasAuthorizer(config.accessPolicies, config.hostName)),
  /** The embedded registry; with DEVICE_GATEWAY=iothub its endpoints answer where to go instead. */
  registry: once(() => {
    refuseWhenServedByHub();
    const { repository, endpoints, waits, waker } = deviceRegistryStorage(config.storage);
    const registry: EmbeddedRegistry = new EmbeddedRegistry({
      repository: watchRegistryWrites(repository, (writes) => joinContinuousJobs(registry, writes)),
      link: new EndpointDeviceLink(endpoints),
      watches: { store: waits, waker },
      defaultSimulation: config.devices.defaultSimulation,
      simulationSeed: config.devices.simulationSeed,
      ...(config.devices.queryPlanLog ? { debug: (message: string) => console.debug(message) } : {}),
    });
    return registry;
  }),
  /**
   * The sources `POST /devices/query` serves, by FROM clause. The jobs domain adds `devices.jobs` here.
   */
  querySources: once((): Partial<Record<QuerySource, QuerySourceHandler>> => ({
    devices: (query, page) => queryTwins(composition.registry(), query, page),
    'devices.modules': () => {
      refuseWhenServedByHub();
      return Promise.resolve({ items: [], itemType: 'Twin' });
    },
    'devices.jobs': async (query, page) => {
      const { maxItems, continuationToken } = page;
      const result = await queryDeviceJobs({ query, maxItemCount: maxItems, continuationToken });
      return { ...result, itemType: 'DeviceJob' };
    },
  })),
  /** The job engine's access to devices: the embedded registry, or a real IoT Hub (DEVICE_GATEWAY). */
  deviceGateway: once((): JobDeviceGateway => {
    const { gateway, iothubConnectionString, iothubPlainHttpPort } = config.devices;
    if (gateway === 'iothub' && iothubConnectionString) {
      return new IotHubDeviceGateway({
        connectionString: iothubConnectionString,
        plainHttpPort: iothubPlainHttpPort,
      });
    }
    return new SimulatedDeviceGateway(composition.registry());
  }),
  /**
   * The job use cases over the durable client of the calling function (`jobOrchestrations(context)`), once the
   * jobs tables exist. Without one, only the reading use cases work (starting or cancelling a job is refused).
   */
  jobsService: async (orchestrations?: JobOrchestrationClient): Promise<JobsService> => {
    await jobTablesReady();
    return jobsService(orchestrations);
  },
  /** Ports of the job orchestration's activities (registered once when the app loads). */
  jobExecution: once((): JobExecutionDependencies => ({
    ...jobStorage(),
    completionWaits: deviceRegistryStorage(config.storage).waits,
    gateway: composition.deviceGateway(),
    clock: systemClock,
    delays: systemDelays,
    ids: uuids,
    limits: config.jobs.limits,
    events: jobEvents(),
    parseCron: parseNcrontab,
    joins: jobStorage().joins,
    ...deviceBudget(),
  })),
  /** The `/jobSchedules` use cases and the schedules' timers, over the calling function's durable client. */
  jobSchedules: async (
    orchestrations: JobOrchestrationClient & ScheduleTimers,
  ): Promise<JobSchedulesService> => {
    await jobTablesReady();
    const { jobs, deviceIdLists, schedules } = jobStorage();
    return createJobSchedulesService({
      jobs,
      deviceIdLists,
      schedules,
      orchestrations,
      timers: orchestrations,
      clock: systemClock,
      ids: uuids,
      settings: config.jobs.settings,
      events: jobEvents(),
      maxActiveJobs: config.jobs.maxActiveJobs,
      parseCron: parseNcrontab,
      delays: systemDelays,
      joins: jobStorage().joins,
    });
  },
  /**
   * The import/export job use cases; `runner` starts a job's orchestration (the calling function's durable
   * client). With DEVICE_GATEWAY=iothub they answer where to go instead, like the registry's other endpoints.
   */
  registryJobs: (runner?: RegistryJobRunner): Promise<RegistryJobsService> => {
    refuseWhenServedByHub();
    return Promise.resolve(
      createRegistryJobsService({
        jobs: registryJobsRepository(),
        ...(runner ? { runner } : {}),
        now: () => new Date(),
        newId: () => randomUUID(),
      }),
    );
  },
  /** Ports of the import/export step activity, and when a step that starts now must stop. */
  registryJobSteps: once(() => {
    const registry = composition.registry();
    const dependencies: RegistryJobStepDependencies = {
      jobs: registryJobsRepository(),
      containers: storageBlobContainers(config.storage),
      exportSource: registryExportSource(registry),
      importTarget: registryImportTarget(registry),
      now: Date.now,
      chunkSize: config.devices.registryJobChunkSize,
    };
    return Promise.resolve({
      dependencies,
      until: () => planActivityTime(Date.now(), config.jobs.limits, REGISTRY_CHUNK_BOUND_MS).startUntil,
    });
  }),
  /** Job events, for the sweep timer. */
  jobEvents: async (): Promise<JobEventsDependencies> => {
    await jobTablesReady();
    return jobEvents();
  },
  /** Ports of the retention and reconciliation timers over the durable client of the timer's invocation. */
  jobMaintenance: async (
    orchestrations: JobOrchestrationClient & JobOrchestrationAdmin,
  ): Promise<JobMaintenanceDependencies> => {
    await jobTablesReady();
    const { jobs, deviceIdLists, deviceJobs } = jobStorage();
    return {
      jobs,
      deviceIdLists,
      deviceJobs,
      clock: systemClock,
      delays: systemDelays,
      ids: uuids,
      limits: config.jobs.limits,
      orchestrations,
      admin: orchestrations,
      settings: config.jobs.settings,
    };
  },
};
