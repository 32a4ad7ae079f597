import { Option, type Command } from 'commander';
import * as v from 'valibot';
import {
  type AbortCriterion,
  FAILURE_TYPES,
  type FailureType,
  type JobTemplate,
  type RolloutConfig,
  type WaveConfig,
} from '@device-jobs/client';
import { JobControlsSchema, parseOrProblem } from '@device-jobs/client/schemas';
import { UsageError } from './errors';
import { addWindowOptions, schedulingConfigOf, type WindowOptions } from './window-options';
import {
  choice,
  idFile,
  idList,
  jobPriority,
  jsonObject,
  jsonValue,
  nonNegativeInteger,
  optionParser,
  percentage,
  positiveInteger,
  positiveNumber,
} from './option-parsers';

const RAMP_COUNTERS = ['succeeded', 'notified'] as const;
const ABORT_ACTIONS: readonly AbortAction[] = ['cancel', 'rollback'];
type AbortAction = AbortCriterion['action'];
type RampCounter = (typeof RAMP_COUNTERS)[number];

/** The options that describe a job's work, targets and controls (shared by `job create` and `schedule set`). */
export interface JobTemplateOptions extends WindowOptions {
  method?: string;
  payload?: unknown;
  responseTimeout?: number;
  connectTimeout?: number;
  twinPatch?: Record<string, unknown>;
  query?: string;
  deviceIds?: string[];
  deviceIdsFile?: string[];
  maxExecutionTime?: number;
  maxPerMinute?: number;
  maxConcurrency?: number;
  rampBaseRate?: number;
  rampFactor?: number;
  rampEvery?: number;
  rampOn: RampCounter;
  abortFailedPercent?: number;
  abortMinExecuted?: number;
  abortOn: FailureType;
  abortAction: AbortAction;
  retries?: number;
  retryOn: FailureType;
  wave?: WaveConfig[];
  until?: string;
  untilTimeout?: number;
  priority?: number;
  /** False with `--no-count-method-errors`: IoT Hub's counting, where every answered call succeeds. */
  countMethodErrors: boolean;
}

export function addJobTemplateOptions(command: Command): Command {
  return addWindowOptions(command)
    .option('--method <name>', 'invoke this direct method on every device')
    .option('--payload <json>', 'method payload (JSON, or @file)', jsonValue)
    .option(
      '--no-count-method-errors',
      "count a device that answered the method with status >= 400 as succeeded (IoT Hub's counting)",
    )
    .option('--response-timeout <s>', 'seconds to wait for each device to answer (5-300)', positiveInteger)
    .option(
      '--connect-timeout <s>',
      'seconds to wait for an offline device to connect (0-300)',
      nonNegativeInteger,
    )
    .option(
      '--twin-patch <json>',
      'apply this twin patch ({"tags":…,"properties":{"desired":…}}, or @file)',
      jsonObject,
    )
    .option('--query <condition>', "devices selected by a condition (e.g. \"tags.building = '43'\", or '*')")
    .option('--device-ids <ids>', 'devices by id, comma separated', idList)
    .option('--device-ids-file <file>', 'devices by id from a file, one a line', idFile)
    .option('--max-execution-time <s>', 'seconds the job may run (default 3600)', positiveInteger)
    .option('--max-per-minute <n>', 'start at most this many devices a minute', positiveInteger)
    .option('--max-concurrency <n>', 'most devices with a call outstanding at once', positiveInteger)
    .option(
      '--priority <n>',
      "the job's weight (1-10, default 5) in the service-wide device-operation budget",
      jobPriority,
    )
    .option(
      '--wave <name:size:threshold:then>',
      'a gated wave, in order (repeat): size a count or a share (10 or 5%), threshold 0-100, then continue|pause',
      (value: string, previous: WaveConfig[] = []) => [...previous, waveSpec(value)],
    )
    .option('--ramp-base-rate <n>', 'exponential rollout: devices a minute to start with', positiveInteger)
    .option('--ramp-factor <f>', 'exponential rollout: multiply the rate by this (1.1-5)', positiveNumber)
    .option(
      '--ramp-every <n>',
      'exponential rollout: raise the rate each time this many more devices …',
      positiveInteger,
    )
    .addOption(
      new Option('--ramp-on <counter>', '… succeeded, or were started (notified)')
        .choices(RAMP_COUNTERS)
        .default('succeeded'),
    )
    .option(
      '--abort-failed-percent <p>',
      'stop the job when this share of executed devices failed',
      percentage,
    )
    .option(
      '--abort-min-executed <n>',
      'devices that must have finished before the abort rule applies',
      positiveInteger,
    )
    .addOption(
      new Option('--abort-on <type>', 'which failures the abort rule counts')
        .choices(FAILURE_TYPES)
        .default('all')
        .argParser(choice(FAILURE_TYPES)),
    )
    .addOption(
      new Option(
        '--abort-action <action>',
        'what the abort does: cancel, or rollback (twin jobs: also start <jobId>-rollback)',
      )
        .choices(ABORT_ACTIONS)
        .default('cancel')
        .argParser(choice(ABORT_ACTIONS)),
    )
    .option(
      '--until <condition>',
      'a device is done once this condition holds on its twin (e.g. "properties.reported.firmware = \'2.1.0\'")',
    )
    .option('--until-timeout <s>', 'seconds a device may take to meet --until (1-86400)', positiveInteger)
    .option('--retries <n>', 'retry a failed device up to this many times (0-10)', nonNegativeInteger)
    .addOption(
      new Option('--retry-on <type>', 'which failures are retried')
        .choices(FAILURE_TYPES)
        .default('all')
        .argParser(choice(FAILURE_TYPES)),
    );
}

/**
 * Turns the options into the job API's fields; refuses contradictory or missing choices, and fields the contract's
 * schemas refuse (as the service would, naming the field), before sending.
 */
export function buildJobTemplate(options: JobTemplateOptions): JobTemplate {
  const template = templateOf(options);
  const checked = parseOrProblem(JobControlsSchema, template, '');
  if ('problem' in checked)
    throw new UsageError(`${checked.problem.field}: ${checked.problem.reason} (nothing was sent)`);
  return template;
}

function templateOf(options: JobTemplateOptions): JobTemplate {
  const template = operation(options);
  Object.assign(template, targets(options));
  if (options.maxExecutionTime !== undefined) template.maxExecutionTimeInSeconds = options.maxExecutionTime;
  // An operator's tool counts a device's refusal as a failure, so abort, retries and waves see it.
  if (template.type === 'scheduleDeviceMethod' && options.countMethodErrors)
    template.countMethodErrorsAsFailures = true;
  const rollout = {
    ...(options.maxPerMinute !== undefined && { maximumPerMinute: options.maxPerMinute }),
    ...(options.maxConcurrency !== undefined && { maxConcurrency: options.maxConcurrency }),
    ...exponentialRate(options),
    ...(options.wave !== undefined && { waves: options.wave }),
  };
  if (Object.keys(rollout).length > 0) template.rolloutConfig = rollout;
  if (options.priority !== undefined) template.priority = options.priority;
  if ((options.abortFailedPercent === undefined) !== (options.abortMinExecuted === undefined))
    throw new UsageError('--abort-failed-percent and --abort-min-executed go together.');
  if (options.abortFailedPercent !== undefined && options.abortMinExecuted !== undefined) {
    template.abortConfig = {
      criteriaList: [
        {
          failureType: options.abortOn,
          action: options.abortAction,
          thresholdPercentage: options.abortFailedPercent,
          minNumberOfExecutedDevices: options.abortMinExecuted,
        },
      ],
    };
  }
  if ((options.until === undefined) !== (options.untilTimeout === undefined))
    throw new UsageError('--until and --until-timeout go together.');
  if (options.until !== undefined && options.untilTimeout !== undefined)
    template.completionCondition = { condition: options.until, timeoutInSeconds: options.untilTimeout };
  if (options.retries !== undefined) {
    template.retryConfig = {
      criteriaList: [{ failureType: options.retryOn, numberOfRetries: options.retries }],
    };
  }
  return { ...template, ...schedulingConfigOf(options) };
}

const WAVE_RULE = 'Expected name:size:threshold:then, e.g. canary:10:90:pause or half:50%:95:continue.';

/** `canary:10:90:pause` or `half:50%:95:continue`: the wave's names and ranges are the contract's to check. */
const WaveSpecSchema = v.pipe(
  v.string(),
  v.regex(/^[^:]+:\d+(?:\.\d+)?%?:\d+(?:\.\d+)?:(?:continue|pause)$/, WAVE_RULE),
  v.transform((text): WaveConfig => {
    const [name = '', size = '', threshold = '', then] = text.split(':');
    return {
      name,
      ...(size.endsWith('%')
        ? { devicePercentage: Number(size.slice(0, -1)) }
        : { deviceCount: Number(size) }),
      successThresholdPercentage: Number(threshold),
      then: then === 'pause' ? 'pause' : 'continue',
    };
  }),
);

export const waveSpec = optionParser(WaveSpecSchema);

function exponentialRate(options: JobTemplateOptions): Pick<RolloutConfig, 'exponentialRate'> {
  const { rampBaseRate, rampFactor, rampEvery } = options;
  const given = [rampBaseRate, rampFactor, rampEvery].filter((value) => value !== undefined).length;
  if (given === 0) return {};
  if (rampBaseRate === undefined || rampFactor === undefined || rampEvery === undefined)
    throw new UsageError('--ramp-base-rate, --ramp-factor and --ramp-every go together.');
  return {
    exponentialRate: {
      baseRatePerMinute: rampBaseRate,
      incrementFactor: rampFactor,
      rateIncreaseCriteria:
        options.rampOn === 'succeeded'
          ? { numberOfSucceededDevices: rampEvery }
          : { numberOfNotifiedDevices: rampEvery },
    },
  };
}

function operation(options: JobTemplateOptions): JobTemplate {
  const methodOnly = [
    options.payload !== undefined && '--payload',
    options.responseTimeout !== undefined && '--response-timeout',
    options.connectTimeout !== undefined && '--connect-timeout',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (options.method !== undefined && options.twinPatch !== undefined)
    throw new UsageError('Give either --method or --twin-patch, not both.');
  if (options.twinPatch !== undefined) {
    if (methodOnly.length > 0) throw new UsageError(`${methodOnly.join(', ')} apply to --method jobs only.`);
    return { type: 'scheduleUpdateTwin', updateTwin: options.twinPatch };
  }
  if (options.method === undefined)
    throw new UsageError('Say what to do: --method NAME or --twin-patch JSON.');
  return {
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: {
      methodName: options.method,
      payload: options.payload ?? null,
      ...(options.responseTimeout !== undefined && { responseTimeoutInSeconds: options.responseTimeout }),
      ...(options.connectTimeout !== undefined && { connectTimeoutInSeconds: options.connectTimeout }),
    },
  };
}

function targets(options: JobTemplateOptions): Pick<JobTemplate, 'queryCondition' | 'deviceIds'> {
  const given = [
    options.query !== undefined && '--query',
    options.deviceIds !== undefined && '--device-ids',
    options.deviceIdsFile !== undefined && '--device-ids-file',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (given.length !== 1)
    throw new UsageError(
      given.length === 0
        ? 'Say which devices: --query CONDITION, --device-ids a,b,c or --device-ids-file FILE.'
        : `Give one of ${given.join(', ')}, not several.`,
    );
  if (options.query !== undefined) return { queryCondition: options.query };
  return { deviceIds: options.deviceIds ?? options.deviceIdsFile ?? [] };
}
