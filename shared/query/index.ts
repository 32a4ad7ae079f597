/**
 * The IoT Hub query language, pure: parse `SELECT ... FROM devices | devices.modules | devices.jobs [WHERE ...]`
 * queries and bare conditions, evaluate them over JSON documents with IoT Hub's semantics, and plan key lookups for
 * stores. Grammar and semantics: docs/query-language.md.
 */
export type {
  ArithmeticNode,
  ArithmeticOperator,
  ArrayNode,
  CallNode,
  ComparisonNode,
  ComparisonOperator,
  Expression,
  FunctionName,
  LiteralNode,
  LogicalNode,
  MembershipNode,
  NegateNode,
  NotNode,
  Primitive,
  Projection,
  PropertyNode,
  Query,
  QuerySource,
  SelectCount,
  SelectItem,
  SelectProperty,
  UndefinedNode,
} from './query-ast';
export { QuerySyntaxError, type QueryPosition } from './query-syntax-error';
export {
  parseCondition,
  parseQuery,
  MAX_NESTING_DEPTH,
  MAX_QUERY_LENGTH,
  type ConditionOptions,
} from './query-parser';
export {
  evaluate,
  evaluateExpression,
  executeQuery,
  isAggregateQuery,
  projectDocument,
  QueryAggregation,
} from './query-evaluator';
export {
  planQuery,
  topLevelEqualities,
  type PlanOptions,
  type QueryPlan,
  type TopLevelEquality,
} from './query-planner';
export { formatExpression, formatPath } from './query-formatter';
export { readPath, type JsonValue, type QueryValue } from './query-values';
export { tokenize, type Token } from './query-lexer';
export { WorkSlices, DEFAULT_SLICE_MS } from './work-slices';
export {
  planIndexChoices,
  planIndexLookups,
  isIndexedPath,
  indexPathOf,
  mayMatchTags,
  type IndexEntry,
} from './index-plan';
export { typedComparisons, type ScalarType, type TypedComparison } from './typed-comparisons';
