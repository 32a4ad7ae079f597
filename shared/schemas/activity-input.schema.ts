import * as v from 'valibot';

/**
 * Durable activity inputs, which arrive as deserialized JSON. Loose objects: a field this version does not know
 * (written by a newer orchestrator version, or added later) is kept, never dropped on the way through.
 */

const count = v.pipe(
  v.number('must be an integer ≥ 0'),
  v.integer('must be an integer ≥ 0'),
  v.minValue(0, 'must be an integer ≥ 0'),
);

/** Final device results by failure type (a cursor's or a settle step's `executed`). */
export const ExecutedCountsSchema = v.looseObject(
  { succeeded: count, failed: count, timedOut: count },
  'must be an object',
);

/** Where a job's run stands between activity calls (`RunCursor` of shared/jobs/job-execution.ts). */
export const RunCursorSchema = v.looseObject(
  {
    shardCount: count,
    nextShard: count,
    targets: v.union(
      [
        v.looseObject({ done: v.literal(true) }),
        v.looseObject({
          done: v.optional(v.literal(false), false),
          continuation: v.optional(v.pipe(v.string('must be a string'), v.nonEmpty('must be a string'))),
        }),
      ],
      'must be { done: true } or { done: false, continuation? }',
    ),
    calls: v.optional(
      v.looseObject(
        {
          count,
          seconds: v.pipe(v.number('must be a number ≥ 0'), v.minValue(0, 'must be a number ≥ 0')),
          peakInFlight: count,
        },
        'must be an object',
      ),
    ),
    executed: v.optional(ExecutedCountsSchema),
    completionWaits: v.optional(v.boolean('must be true or false')),
  },
  'must be an object',
);
