import {
  type Expression,
  type Query,
  QuerySyntaxError,
  WorkSlices,
  evaluate,
  parseQuery,
  planQuery,
  topLevelEqualities,
} from '../../query';
import { JobValidationError } from '../core/job-errors';
import { DEVICE_JOB_STATUSES, JOB_TYPES } from '../core/job-model';
import { type DeviceJobResponse, toDeviceJobResponse } from '../core/job-response';
import type { DeviceJobFilter, DeviceJobRepository, Page, PageRequest } from '../core/ports';

/** A `SELECT * FROM devices.jobs [WHERE …]` query, planned for the device job store. */
export interface DeviceJobQueryPlan {
  /** Job ids to read one after the other; `undefined` = every job. Empty = nothing can match. */
  jobIds: readonly string[] | undefined;
  /** Store-side filters implied by the condition (each necessary, none sufficient). */
  prefilter: Omit<DeviceJobFilter, 'jobId'>;
  where: Expression | null;
  top: number | undefined;
}

/**
 * Parses and plans a device job query. IoT Hub allows only `SELECT *` over `devices.jobs` here; the condition may
 * use any field of the DeviceJob shape (`jobId`, `deviceId`, `status`, `jobType`, times, `outcome…`, `error…`).
 */
export function planDeviceJobQuery(text: string): DeviceJobQueryPlan {
  let query;
  try {
    query = parseQuery(text);
  } catch (error: unknown) {
    if (error instanceof QuerySyntaxError) throw new JobValidationError('query', error.message);
    throw error;
  }
  return planParsedDeviceJobQuery(query);
}

/** Plans an already parsed query (e.g. from a `POST /devices/query` dispatcher that parsed it once). */
export function planParsedDeviceJobQuery(query: Query): DeviceJobQueryPlan {
  if (query.source !== 'devices.jobs')
    throw new JobValidationError('query', 'only FROM devices.jobs is answered here');
  if (query.projection.kind !== 'all' || query.groupBy.length > 0) {
    throw new JobValidationError('query', 'device job queries allow only SELECT * without GROUP BY');
  }
  const plan = planQuery(query.where, { keyProperty: 'jobId' });
  const prefilter: Omit<DeviceJobFilter, 'jobId'> = {};
  for (const { property, value } of topLevelEqualities(plan.residual)) {
    const name = property.toLowerCase();
    if (name === 'deviceid') prefilter.deviceId = value;
    const status = DEVICE_JOB_STATUSES.find((candidate) => candidate === value);
    if (name === 'status' && status) prefilter.status = status;
    const type = JOB_TYPES.find((candidate) => candidate === value);
    if (name === 'jobtype' && type) prefilter.jobType = type;
  }
  return {
    jobIds: plan.kind === 'keys' ? [...new Set(plan.keys)] : undefined,
    prefilter,
    where: query.where,
    top: query.top,
  };
}

/**
 * Runs a planned query for one page. The store pre-filters; the whole condition is evaluated on each DeviceJob, so a
 * page may hold fewer items than asked (even none) while a continuation token says more may follow. With several
 * job ids the token is `<index of the job id>:<store token>`.
 */
export async function runDeviceJobQuery(
  store: DeviceJobRepository,
  plan: DeviceJobQueryPlan,
  page: PageRequest,
): Promise<Page<DeviceJobResponse>> {
  const maxItems = plan.top !== undefined ? Math.min(plan.top, page.maxItems) : page.maxItems;
  const keys = plan.jobIds ?? [undefined];
  if (keys.length === 0 || maxItems === 0) return { items: [] };
  const [indexText, storeToken] = splitToken(page.continuationToken);
  const index = Number(indexText);
  if (!Number.isInteger(index) || index < 0 || index >= keys.length) {
    throw new JobValidationError('continuationToken', 'is not a token this query returned');
  }
  const filter: DeviceJobFilter = { ...plan.prefilter };
  const jobId = keys[index];
  if (jobId !== undefined) filter.jobId = jobId;
  const result = await store.query(
    filter,
    storeToken ? { maxItems, continuationToken: storeToken } : { maxItems },
  );
  const items: DeviceJobResponse[] = [];
  const slices = new WorkSlices();
  for (const row of result.items) {
    const document = toDeviceJobResponse(row);
    if (evaluate(plan.where, document)) items.push(document);
    await slices.checkpoint();
  }
  let next: string | undefined;
  if (result.continuationToken) next = `${index}:${result.continuationToken}`;
  else if (index + 1 < keys.length) next = `${index + 1}:`;
  // TOP n is one page of at most n items.
  if (plan.top !== undefined) next = undefined;
  return next ? { items, continuationToken: next } : { items };
}

function splitToken(token: string | undefined): [string, string] {
  if (!token) return ['0', ''];
  const separator = token.indexOf(':');
  if (separator < 0) return ['', ''];
  return [token.slice(0, separator), token.slice(separator + 1)];
}
