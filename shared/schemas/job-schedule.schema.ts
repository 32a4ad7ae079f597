import { closedObject, keyPath, plainObject, present } from '@device-jobs/client/schemas';
import * as v from 'valibot';
import type { CronParser } from '../jobs/core/job-schedule-model';

/**
 * The body of `PUT /jobSchedules/{scheduleId}`, checked in the order the API has always answered: the fields'
 * shapes and the time zone, then the expression in that time zone, then `enabled` and the job template's shape.
 * The template's content is a job body, which the use case checks as `PUT /jobs/v2/{jobId}` does.
 */

const BODY_RULE = 'must be a JSON object (a job schedule)';
const SCHEDULE_RULE = 'is required: an NCRONTAB expression of six fields';
const TIME_ZONE_RULE = 'must be an IANA time zone name';
const TEMPLATE_RULE = 'is required and must be a job body';
const SET_BY_OCCURRENCE = "is set by each occurrence ('{scheduleId}-{yyyyMMddTHHmmssZ}', starting at once)";

/** Fields of a schedule answer a client may send back unchanged; they are ignored. */
export const READ_ONLY_SCHEDULE_FIELDS = [
  'createdTime',
  'lastUpdatedTime',
  'nextRunTime',
  'lastJobId',
  'lastRunTime',
] as const;

/** Why the cron parser refuses `expression` in `timeZone`, or `undefined` when it reads it. */
function cronProblem(parseCron: CronParser, expression: string, timeZone: string): string | undefined {
  try {
    parseCron(expression, timeZone);
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : 'is invalid';
  }
}

/** A field the occurrence sets, refused in the template (absent or `null` only). */
const setByOccurrence = (field: 'jobId' | 'startTime') =>
  v.forward(
    v.check((template: Record<string, unknown>) => !present(template[field]), SET_BY_OCCURRENCE),
    [field],
  );

/** `jobTemplate`: a job body without `jobId` or `startTime`, passed on as it is (its keys untouched). */
const JobTemplateSchema = v.pipe(
  plainObject(TEMPLATE_RULE),
  setByOccurrence('jobId'),
  setByOccurrence('startTime'),
  v.description('A job body (PUT /jobs/v2/{jobId}) without jobId and startTime, which each occurrence sets'),
);

/** The schedule body for the schedule `scheduleId` (the URL's), its expressions read by `parseCron`. */
export function jobScheduleBodySchema(scheduleId: string, parseCron: CronParser) {
  const differs = `differs from the schedule id of the URL '${scheduleId}'`;
  const entries = {
    scheduleId: v.nullish(
      v.pipe(
        v.string(differs),
        v.check((id) => id === scheduleId, differs),
        v.description('The schedule id of the URL (read-only: it may be sent back)'),
      ),
    ),
    schedule: v.pipe(
      v.string(SCHEDULE_RULE),
      v.trim(),
      v.nonEmpty(SCHEDULE_RULE),
      v.description('NCRONTAB, six fields: {second} {minute} {hour} {day} {month} {day-of-week}'),
    ),
    timeZone: v.nullish(
      v.pipe(
        v.string(TIME_ZONE_RULE),
        v.nonEmpty(TIME_ZONE_RULE),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed && cronProblem(parseCron, '0 0 0 * * *', dataset.value);
          if (problem) addIssue({ message: problem });
        }),
        v.description('The IANA time zone the expression is read in (default UTC)'),
      ),
      'UTC',
    ),
    enabled: v.nullish(v.boolean('must be true or false'), true),
    jobTemplate: JobTemplateSchema,
  };
  const options = {
    message: BODY_RULE,
    parent: 'a job schedule',
    ignored: READ_ONLY_SCHEDULE_FIELDS,
  };
  return v.pipe(
    // `enabled` and `jobTemplate` wait until the expression is read in its time zone.
    closedObject(
      { ...entries, enabled: v.nullish(v.unknown()), jobTemplate: v.nullish(v.unknown()) },
      options,
    ),
    // Typed as any object from here: the whole body's schema parses it again.
    v.rawTransform(({ dataset, addIssue, NEVER }): Record<string, unknown> => {
      const problem = cronProblem(parseCron, dataset.value.schedule, dataset.value.timeZone);
      if (!problem) return dataset.value;
      addIssue({ message: problem, path: keyPath('schedule') });
      return NEVER;
    }),
    // The whole body (the fields above pass again unchanged): the last schema, so the one the document shows.
    closedObject(entries, options),
  );
}

/** A valid schedule body: the expression (trimmed), its time zone, whether it fires, and the job template. */
export type JobScheduleBody = v.InferOutput<ReturnType<typeof jobScheduleBodySchema>>;
