export {
  BUILT_IN_CATEGORIES,
  CATEGORY_PATTERN,
  RULE_TYPES,
  SEVERITIES,
  type AnomalyDirection,
  type AnomalyRule,
  type CardinalityRule,
  type FlatlineRule,
  type InvalidRule,
  type MatchRule,
  type NewTermRule,
  type Rule,
  type RuleProblem,
  type RuleSource,
  type RuleType,
  type SequenceRule,
  type SequenceStep,
  type Severity,
  type SpikeRule,
  type ThresholdRule,
} from './rule';
export { loadRules } from './load-rules';
export { parseRuleDocument, type RuleSet } from './parse-rule-document';
export type { Detection } from './detection';
export type { NewTermSeed } from './new-term-evaluator';
export {
  RuleEngine,
  type EngineState,
  type EngineStats,
  type RestoreResult,
  type RuleEngineOptions,
} from './rule-engine';
export { formatFieldPath, yamlLineAt, yamlLineOf, type FieldPath } from './yaml-paths';
