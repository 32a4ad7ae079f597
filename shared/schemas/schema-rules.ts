// The building blocks live in the contract (packages/client/src/schemas/schema-rules.ts), shared with the tools.
export {
  closedObject,
  integerIn,
  keyPath,
  numberIn,
  objectMessage,
  oneOf,
  PARENT_FIELD,
  plainObject,
  present,
  withoutAbsent,
} from '@device-jobs/client/schemas';
