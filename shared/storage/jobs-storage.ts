import { TableDeviceJobRepository } from './device-jobs.repository';
import { TableDurationObservationRepository } from './duration-observations.repository';
import { TableDeviceIdListRepository } from './jobs-device-id-list.repository';
import { TableJobScheduleRepository } from './job-schedules.repository';
import { TableJobEventOutbox } from './job-event-outbox.repository';
import { TableJobRepository } from './jobs.repository';
import { TableJobJoinRepository } from './job-joins.repository';
import type { StorageAccount } from './storage-clients';
import { tableClient } from './table-support';

/** Names of the jobs tables; a prefix lets several apps or tests share one storage account. */
export interface JobTableNames {
  jobs: string;
  deviceIdLists: string;
  deviceJobs: string;
  schedules: string;
  joins: string;
}

export function jobTableNames(prefix = ''): JobTableNames {
  return {
    jobs: `${prefix}jobs`,
    deviceIdLists: `${prefix}jobdeviceids`,
    deviceJobs: `${prefix}devicejobs`,
    schedules: `${prefix}jobschedules`,
    joins: `${prefix}jobjoins`,
  };
}

/** The three job repositories over one storage account, and a way to create their tables. */
export interface JobStorage {
  jobs: TableJobRepository;
  deviceIdLists: TableDeviceIdListRepository;
  deviceJobs: TableDeviceJobRepository;
  /** Recent device latency per job type (rows of the jobs table), for dry-run estimates. */
  observations: TableDurationObservationRepository;
  schedules: TableJobScheduleRepository;
  /** Members of continuous jobs and the devices that joined them. */
  joins: TableJobJoinRepository;
  /** Job events stored with their changes (rows of the jobs table) until published. */
  outbox: TableJobEventOutbox;
  /** Creates the tables if they do not exist (idempotent). */
  ensureTables(): Promise<void>;
}

export function createJobStorage(
  account: StorageAccount,
  names: JobTableNames = jobTableNames(),
): JobStorage {
  const client = (table: string) => tableClient(account, table);
  const clients = [
    client(names.jobs),
    client(names.deviceIdLists),
    client(names.deviceJobs),
    client(names.schedules),
    client(names.joins),
  ] as const;
  return {
    jobs: new TableJobRepository(clients[0]),
    deviceIdLists: new TableDeviceIdListRepository(clients[1]),
    deviceJobs: new TableDeviceJobRepository(clients[2]),
    observations: new TableDurationObservationRepository(clients[0]),
    schedules: new TableJobScheduleRepository(clients[3]),
    joins: new TableJobJoinRepository(clients[4]),
    outbox: new TableJobEventOutbox(clients[0]),
    async ensureTables() {
      await Promise.all(clients.map((c) => c.createTable()));
    },
  };
}
