export {
  MESSAGE_FIELD,
  TIMESTAMP_FIELD,
  fieldsOf,
  type AllNode,
  type AndNode,
  type ExistsNode,
  type NotNode,
  type OrNode,
  type QueryNode,
  type RangeBound,
  type RangeNode,
  type TermNode,
  type TermValue,
  type TextNode,
  type WildcardNode,
} from './query-ast';
export { QuerySyntaxError } from './query-syntax-error';
export { MAX_QUERY_LENGTH, parseQuery, type ParseQueryOptions } from './parse-query';
export { compileMatcher, type EventMatcher } from './match-event';
export {
  TimeExpressionError,
  eventTimeMillis,
  parseInterval,
  parseTime,
  type Rounding,
} from './time-expressions';
export { containsTokens, textTokens } from './text-tokens';
export {
  MAX_NUMERIC_DIGITS,
  compareCodePoints,
  parseNumericString,
  rangeComparisons,
  termTargets,
  type RangeComparisons,
  type RangeOperator,
  type TermTargets,
} from './value-comparison';
export { translateWildcard, type WildcardDialect } from './wildcard-pattern';
