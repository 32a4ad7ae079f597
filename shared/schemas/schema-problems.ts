// The one issue-to-problem mapping lives in the contract (packages/client/src/schemas/schema-problems.ts).
export { fieldOfIssue, parseOrProblem, parseOrThrow } from '@device-jobs/client/schemas';
