import type { InvocationContext } from '@azure/functions';
import { systemClock, systemDelays, uuids } from './support/system-time';
import type { AppConfig } from './config';
import { SasAuthorizer } from './http/sas-authorizer';
import type { QuerySource } from './query';
import type { QuerySourceHandler } from './devices/query-sources';
import type { EndpointDirectory, JobWaker, RegistryRepository, TwinWatchStore } from './devices/ports';
import { EmbeddedRegistry } from './devices/simulated/embedded-registry';
import { queryTwins } from './devices/simulated/twin-query';
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
import type {
  Clock,
  CompletionWaitRepository,
  Delays,
  DeviceIdListRepository,
  DeviceJobRepository,
  DurationObservationRepository,
  IdGenerator,
  JobDeviceGateway,
  JobEventOutbox,
  JobEventQueue,
  JobJoinRepository,
  JobJoinSignals,
  JobOrchestrationClient,
  JobRepository,
  JobScheduleRepository,
  Page,
} from './jobs/core/ports';
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
import type { BlobContainers, RegistryJobRepository } from './registry-jobs/ports';
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

/** The jobs tables as ports (Table Storage in the app, in-memory stores in unit tests). */
export interface JobStoragePorts {
  jobs: JobRepository;
  deviceIdLists: DeviceIdListRepository;
  deviceJobs: DeviceJobRepository;
  observations: DurationObservationRepository;
  schedules: JobScheduleRepository;
  /** Members of continuous jobs and the devices that joined them. */
  joins: JobJoinRepository;
  outbox: JobEventOutbox;
  /** Creates the stores if they do not exist (idempotent). */
  ensureTables(): Promise<void>;
}

/** The job orchestrations as seen through the durable client of one invocation. */
export type JobOrchestrations = JobOrchestrationClient & JobOrchestrationAdmin & ScheduleTimers;

/**
 * The durable client of an invocation (its function declares the durable client input), as the ports the use
 * cases take. The app passes the `durable-functions` client (`functions/durable`); tests pass in-memory ones.
 */
export interface DurableClientPorts {
  jobOrchestrations(context: InvocationContext): JobOrchestrations;
  registryJobRunner(context: InvocationContext): RegistryJobRunner;
}

/** Ports that replace the adapters `createComposition` would build from the settings (tests pass in-memory ones). */
export interface CompositionOverrides {
  jobStorage?: JobStoragePorts;
  /** The embedded registry's store and the directory of device endpoints. */
  deviceRegistry?: {
    repository: RegistryRepository;
    endpoints: EndpointDirectory;
    /** The jobs' watches on twins (completion conditions) and how a met one wakes its job; none: no watches. */
    waits?: TwinWatchStore & CompletionWaitRepository;
    waker?: JobWaker;
  };
  /** The job engine's access to devices (default: the embedded registry, or IoT Hub with DEVICE_GATEWAY=iothub). */
  deviceGateway?: JobDeviceGateway;
  registryJobs?: RegistryJobRepository;
  blobContainers?: BlobContainers;
  /** Where job events go (default: the Storage queue of JOB_EVENTS_QUEUE, none when it is empty). */
  jobEventQueue?: JobEventQueue;
  /** What wakes a continuous job's orchestration when devices join it (default: the job-joins Storage queue). */
  jobJoinSignals?: JobJoinSignals;
  /** The device-operation budget jobs share (default: a Table Storage one when the settings set a rate). */
  deviceBudget?: DeviceOperationBudget;
  durable?: DurableClientPorts;
  clock?: Clock;
  delays?: Delays;
  ids?: IdGenerator;
}

function once<T>(create: () => T): () => T {
  let value: { created: T } | undefined;
  return () => (value ??= { created: create() }).created;
}

/** Longest one chunk of an import or export may take: a step starts no chunk later than this before its budget. */
const REGISTRY_CHUNK_BOUND_MS = 20_000;

function noDurableClient(what: string): () => never {
  return () => {
    throw new Error(`This composition has no durable client: it cannot ${what}.`);
  };
}

/** Stands in for the durable client where a use case never starts or signals an orchestration (queries). */
const noOrchestrations: JobOrchestrationClient = {
  start: () => Promise.reject(new Error('This function has no durable client: it cannot start jobs.')),
  raiseCancel: () => Promise.reject(new Error('This function has no durable client: it cannot cancel jobs.')),
  raiseResume: () => Promise.reject(new Error('This function has no durable client: it cannot resume jobs.')),
};

/**
 * The app's adapters and use cases over `config`, each built on first use (tables are created, if missing, on
 * their first request). `overrides` replace adapters (in-memory ports in unit tests). Nothing is read from the
 * environment here: the caller parses the settings (`loadConfig`).
 */
export function createComposition(config: AppConfig, overrides: CompositionOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? uuids;
  const delays = overrides.delays ?? systemDelays;
  const durable: DurableClientPorts = overrides.durable ?? {
    jobOrchestrations: noDurableClient('start or signal job orchestrations'),
    registryJobRunner: noDurableClient('start import/export jobs'),
  };

  const jobStorage = once(
    (): JobStoragePorts =>
      overrides.jobStorage ?? createJobStorage(config.storage, jobTableNames(config.jobs.tablePrefix)),
  );

  /** Job events: the outbox in the jobs table and the queue of JOB_EVENTS_QUEUE (none when it is empty). */
  const jobEvents = once((): JobEventsDependencies => {
    const { queueName, progressIntervalSeconds } = config.jobs.events;
    const queue =
      overrides.jobEventQueue ?? (queueName ? storageJobEventQueue(config.storage, queueName) : undefined);
    return { outbox: jobStorage().outbox, ...(queue ? { queue } : {}), progressIntervalSeconds };
  });

  /** The device-operation budget all running jobs share (JOBS_DEVICE_OPERATIONS_PER_SECOND), if one is set. */
  const deviceBudget = once((): { budget?: DeviceOperationBudget } => {
    if (overrides.deviceBudget) return { budget: overrides.deviceBudget };
    const perSecond = config.jobs.deviceOperationsPerSecond;
    if (perSecond === undefined) return {};
    const table = tableClient(config.storage, jobTableNames(config.jobs.tablePrefix).jobs);
    return { budget: new TableDeviceOperationBudget(table, perSecond) };
  });

  /** Creates the jobs tables once; a failed attempt is retried by the next caller. */
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
        signals: overrides.jobJoinSignals ?? storageJobJoinSignals(config.storage),
        clock,
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

  /** What creating a job takes, by the jobs API and by a schedule's occurrence alike. */
  function jobCreation(orchestrations: JobOrchestrationClient) {
    const { jobs, deviceIdLists, joins } = jobStorage();
    return {
      jobs,
      deviceIdLists,
      joins,
      orchestrations,
      clock,
      ids,
      settings: config.jobs.settings,
      events: jobEvents(),
      maxActiveJobs: config.jobs.maxActiveJobs,
      parseCron: parseNcrontab,
    };
  }

  function jobsService(orchestrations: JobOrchestrationClient = noOrchestrations): JobsService {
    const { deviceJobs, observations } = jobStorage();
    return createJobsService({
      ...jobCreation(orchestrations),
      deviceJobs,
      observations,
      targets: composition.deviceGateway(),
      ...deviceBudget(),
    });
  }

  async function queryDeviceJobs(
    ...command: Parameters<JobsService['queryDeviceJobs']>
  ): Promise<Page<DeviceJobResponse>> {
    await jobTablesReady();
    return jobsService().queryDeviceJobs(...command);
  }

  const registryStorage = once(() => overrides.deviceRegistry ?? deviceRegistryStorage(config.storage));

  const registryJobsRepository = once(
    () =>
      overrides.registryJobs ??
      new RegistryJobsTableRepository(lazyTable(config.storage, `${config.jobs.tablePrefix}registryjobs`)),
  );

  const composition = {
    /** The settings this composition was built from. */
    config,
    authorizer: once(() => new SasAuthorizer(config.accessPolicies, config.hostName)),
    /** The job orchestrations over the durable client of an invocation that declares it. */
    jobOrchestrations: (context: InvocationContext): JobOrchestrations => durable.jobOrchestrations(context),
    /** The embedded registry; with DEVICE_GATEWAY=iothub its endpoints answer where to go instead. */
    registry: once(() => {
      refuseWhenServedByHub();
      const { repository, endpoints, waits, waker } = registryStorage();
      const registry: EmbeddedRegistry = new EmbeddedRegistry({
        repository: watchRegistryWrites(repository, (writes) => joinContinuousJobs(registry, writes)),
        link: new EndpointDeviceLink(endpoints),
        ...(waits && waker ? { watches: { store: waits, waker } } : {}),
        defaultSimulation: config.devices.defaultSimulation,
        simulationSeed: config.devices.simulationSeed,
        ...(overrides.clock ? { now: () => clock.now().getTime() } : {}),
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
      if (overrides.deviceGateway) return overrides.deviceGateway;
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
     * The job use cases over the given orchestrations (those of the calling function), once the jobs tables
     * exist. Without them, only the reading use cases work (starting or cancelling a job is refused).
     */
    jobsService: async (orchestrations?: JobOrchestrationClient): Promise<JobsService> => {
      await jobTablesReady();
      return jobsService(orchestrations);
    },
    /** Ports of the job orchestration's activities. */
    jobExecution: once((): JobExecutionDependencies => {
      const { waits } = registryStorage();
      return {
        ...jobStorage(),
        ...(waits ? { completionWaits: waits } : {}),
        gateway: composition.deviceGateway(),
        clock,
        delays,
        ids,
        limits: config.jobs.limits,
        events: jobEvents(),
        parseCron: parseNcrontab,
        ...deviceBudget(),
      };
    }),
    /** The `/jobSchedules` use cases and the schedules' timers, over the calling function's orchestrations. */
    jobSchedules: async (
      orchestrations: JobOrchestrationClient & ScheduleTimers,
    ): Promise<JobSchedulesService> => {
      await jobTablesReady();
      return createJobSchedulesService({
        ...jobCreation(orchestrations),
        schedules: jobStorage().schedules,
        timers: orchestrations,
        delays,
      });
    },
    /**
     * The import/export job use cases; with an invocation context, they start a job's orchestration through its
     * durable client. With DEVICE_GATEWAY=iothub they answer where to go instead, like the registry's endpoints.
     */
    registryJobs: (context?: InvocationContext): Promise<RegistryJobsService> => {
      refuseWhenServedByHub();
      return Promise.resolve(
        createRegistryJobsService({
          jobs: registryJobsRepository(),
          ...(context ? { runner: durable.registryJobRunner(context) } : {}),
          now: () => clock.now(),
          newId: () => ids.newId(),
        }),
      );
    },
    /** Ports of the import/export step activity, and when a step that starts now must stop. */
    registryJobSteps: once(() => {
      const registry = composition.registry();
      const dependencies: RegistryJobStepDependencies = {
        jobs: registryJobsRepository(),
        containers: overrides.blobContainers ?? storageBlobContainers(config.storage),
        exportSource: registryExportSource(registry),
        importTarget: registryImportTarget(registry),
        now: () => clock.now().getTime(),
        chunkSize: config.devices.registryJobChunkSize,
      };
      return Promise.resolve({
        dependencies,
        until: () =>
          planActivityTime(clock.now().getTime(), config.jobs.limits, REGISTRY_CHUNK_BOUND_MS).startUntil,
      });
    }),
    /** Job events, for the sweep timer. */
    jobEvents: async (): Promise<JobEventsDependencies> => {
      await jobTablesReady();
      return jobEvents();
    },
    /** Ports of the retention and reconciliation timers over the orchestrations of the timer's invocation. */
    jobMaintenance: async (orchestrations: JobOrchestrations): Promise<JobMaintenanceDependencies> => {
      await jobTablesReady();
      const { jobs, deviceIdLists, deviceJobs } = jobStorage();
      return {
        jobs,
        deviceIdLists,
        deviceJobs,
        clock,
        delays,
        ids,
        limits: config.jobs.limits,
        orchestrations,
        admin: orchestrations,
        settings: config.jobs.settings,
      };
    },
  };
  return composition;
}

/** The app's adapters and use cases (see {@link createComposition}). */
export type Composition = ReturnType<typeof createComposition>;
