/**
 * The contract's schemas (valibot): the request fields the service, the CLI and the dashboard check alike, and the
 * building blocks that carry the API's `ArgumentInvalid` reasons. Entry point `@device-jobs/client/schemas`.
 */
export * from './id.schema';
export * from './job-controls.schema';
export * from './rollout.schema';
export * from './scheduling.schema';
export * from './schema-problems';
export * from './schema-rules';
