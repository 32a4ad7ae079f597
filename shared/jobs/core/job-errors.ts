import { WireError } from '../../iothub-rules';

/** Base of the jobs domain's errors; `code` is the IoT Hub error code the HTTP layer answers with. */
export abstract class JobDomainError extends WireError {}

/** A job request (or a query on jobs) is invalid; `field` names the offending field (dotted path). */
export class JobValidationError extends JobDomainError {
  readonly code = 'ArgumentInvalid';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'JobValidationError';
  }
}

/** No job with this id exists. */
export class JobNotFoundError extends JobDomainError {
  readonly code = 'JobNotFound';
  constructor(readonly jobId: string) {
    super(`Job '${jobId}' was not found.`);
    this.name = 'JobNotFoundError';
  }
}

/** A job with this id exists already; the existing job is left untouched. */
export class JobAlreadyExistsError extends JobDomainError {
  readonly code = 'JobAlreadyExists';
  constructor(readonly jobId: string) {
    super(`A job with id '${jobId}' already exists.`);
    this.name = 'JobAlreadyExistsError';
  }
}

/** A status change that the job lifecycle does not allow. */
export class JobStateTransitionError extends JobDomainError {
  readonly code = 'JobStateTransitionInvalid';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`A job cannot go from '${from}' to '${to}'.`);
    this.name = 'JobStateTransitionError';
  }
}

/** The job has not ended yet, and the request needs an ended job (rerun). */
export class JobNotFinishedError extends JobDomainError {
  readonly code = 'JobNotFinished';
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(`Job '${jobId}' is ${status}; only an ended job can be rerun.`);
    this.name = 'JobNotFinishedError';
  }
}

/** A job whose effects cannot be rolled back: a method job, or a rollback job itself (409). */
export class JobNotRollbackableError extends JobDomainError {
  readonly code = 'JobNotRollbackable';
  constructor(
    readonly jobId: string,
    why: string,
  ) {
    super(`Job '${jobId}' cannot be rolled back: ${why}`);
    this.name = 'JobNotRollbackableError';
  }
}

/** No recurring job with this id exists. */
export class JobScheduleNotFoundError extends JobDomainError {
  readonly code = 'JobScheduleNotFound';
  constructor(readonly scheduleId: string) {
    super(`Job schedule '${scheduleId}' was not found.`);
    this.name = 'JobScheduleNotFoundError';
  }
}

/** A pause or resume of a job that is not in the status it needs (409). */
export abstract class JobControlConflictError extends JobDomainError {
  constructor(
    readonly jobId: string,
    readonly status: string,
    needed: string,
    verb: string,
  ) {
    super(`Job '${jobId}' is ${status}; only a ${needed} job can be ${verb}.`);
  }
}

/** Pause needs a running job. */
export class JobNotRunningError extends JobControlConflictError {
  readonly code = 'JobNotRunning';
  override name = 'JobNotRunningError';
  constructor(jobId: string, status: string) {
    super(jobId, status, 'running', 'paused');
  }
}

/** Resume needs a paused job. */
export class JobNotPausedError extends JobControlConflictError {
  readonly code = 'JobNotPaused';
  override name = 'JobNotPausedError';
  constructor(jobId: string, status: string) {
    super(jobId, status, 'paused', 'resumed');
  }
}

/** 429: as many jobs as JOBS_MAX_ACTIVE_JOBS allows have not ended yet (IoT Hub's 429004). */
export class MaxActiveJobsError extends JobDomainError {
  readonly code = 'ThrottlingMaxActiveJobCountExceeded';
  constructor(readonly limit: number) {
    super(
      `Maximum active job count exceeded: ${limit} jobs are queued, scheduled or running ` +
        '(JOBS_MAX_ACTIVE_JOBS). Wait for one to end or cancel one.',
    );
    this.name = 'MaxActiveJobsError';
  }
}
