import { ScenarioError } from './scenario-error';

/** One call of an activity, as the harness made it (also what the scenario's script receives). */
export interface ActivityCall {
  name: string;
  /** The input the orchestrator passed, parsed from the JSON the work item carried. */
  input: unknown;
  /** 1 for the first attempt; retries (callActivityWithRetry) count up. */
  attempt: number;
  /** Virtual time at which the call started (ISO). */
  at: string;
}

/**
 * A scripted activity: answers the call (a value, or {@link took} for one that takes virtual time) or fails it by
 * throwing or answering an `Error`, as a real activity fails (its message is the reason the orchestrator sees).
 */
export type ActivityScript = (input: unknown, call: ActivityCall) => unknown;

const TOOK = Symbol('took');

/** An answer that arrives `ms` of virtual time after the call started. */
export interface Took {
  [TOOK]: true;
  ms: number;
  value: unknown;
}

/** The activity answers `value` after `ms` of virtual time (other events due meanwhile are delivered first). */
export function took(ms: number, value: unknown): Took {
  return { [TOOK]: true, ms, value };
}

/** The answer and the virtual time it takes. */
export function unwrapAnswer(answer: unknown): { value: unknown; ms: number } {
  if (typeof answer === 'object' && answer !== null && TOOK in answer) {
    const timed = answer as Took;
    return { value: timed.value, ms: timed.ms };
  }
  return { value: answer, ms: 0 };
}

/**
 * Answers the calls in turn: each answer is a value, an `Error` (the call fails), or either of them {@link took}.
 * A call beyond the list is a {@link ScenarioError}: the scenario did not foresee it.
 */
export function replies(...answers: unknown[]): ActivityScript {
  let next = 0;
  return (_input, call) => {
    if (next >= answers.length) {
      throw new ScenarioError(
        `Activity '${call.name}' was called ${next + 1} times; the scenario scripts ${answers.length} answers.`,
      );
    }
    return answers[next++];
  };
}
