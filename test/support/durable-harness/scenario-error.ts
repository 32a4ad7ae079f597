/**
 * The scenario is incomplete or wrong (an activity nobody scripted, a wait nothing ends, a loop that never waits):
 * the harness throws it out of `settle`/`untilDone` instead of treating it as something the orchestration did.
 */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Replaying the recorded history yielded other actions than the orchestrator yielded when it ran. */
export class NonDeterminismError extends Error {
  override name = 'NonDeterminismError';
}
