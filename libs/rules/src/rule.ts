export const RULE_TYPES = [
  'match',
  'threshold',
  'cardinality',
  'spike',
  'anomaly',
  'new_term',
  'flatline',
  'sequence',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The categories routes and the built-in pack use; users may add their own (`CATEGORY_PATTERN`). */
export const BUILT_IN_CATEGORIES = [
  'unauthorized-access',
  'resource-anomaly',
  'network-anomaly',
  'privilege-escalation',
  'availability',
] as const;
export const CATEGORY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export type AnomalyDirection = 'up' | 'down' | 'both';

/** Where a rule was defined, for messages and `GET /api/v1/rules`. */
export interface RuleSource {
  file: string;
  /** 1-based line of the rule's first field. */
  line: number;
}

/**
 * A validated rule: plain JSON, durations in milliseconds and defaults applied, so
 * what runs is what the API shows. Only `parseRuleDocument`/`loadRules` create them.
 */
interface RuleBase {
  id: string;
  name: string;
  description: string;
  category: string;
  severity: Severity;
  /** Query string in the query language; validated by `parseQuery`. */
  filter: string;
  /** Field paths whose values split the rule's state and alerts into groups. */
  groupBy: string[];
  /** Minimum event time between two detections for one group (0: no limit). */
  throttleMs: number;
  labels: Record<string, string>;
  enabled: boolean;
  source: RuleSource;
}

export interface MatchRule extends RuleBase {
  type: 'match';
}

export interface ThresholdRule extends RuleBase {
  type: 'threshold';
  threshold: { count: number; windowMs: number };
}

export interface CardinalityRule extends RuleBase {
  type: 'cardinality';
  cardinality: { field: string; count: number; windowMs: number };
}

export interface SpikeRule extends RuleBase {
  type: 'spike';
  spike: { windowMs: number; ratio: number; minCount: number };
}

export interface AnomalyRule extends RuleBase {
  type: 'anomaly';
  anomaly: {
    field: string;
    z: number;
    warmup: number;
    alpha: number;
    direction: AnomalyDirection;
    /** The field is a cumulative counter: judge its per-second increase between samples. */
    counter: boolean;
    /** Floor for the standard deviation, in the field's unit (0: 1% of the mean). */
    minStddev: number;
  };
}

export interface NewTermRule extends RuleBase {
  type: 'new_term';
  newTerm: { field: string; days: number };
}

export interface FlatlineRule extends RuleBase {
  type: 'flatline';
  flatline: { count: number; windowMs: number };
}

/** `groupBy` holds `sequence.by`: the key whose events must follow each other. */
export interface SequenceRule extends RuleBase {
  type: 'sequence';
  sequence: { withinMs: number; steps: SequenceStep[] };
}

export interface SequenceStep {
  name: string;
  filter: string;
}

export type Rule =
  | MatchRule
  | ThresholdRule
  | CardinalityRule
  | SpikeRule
  | AnomalyRule
  | NewTermRule
  | FlatlineRule
  | SequenceRule;

/** One reason a rule was rejected. */
export interface RuleProblem {
  /** Dotted path of the offending field (`threshold.count`, `sequence.steps[1].filter`), or '' for the whole rule or file. */
  field: string;
  reason: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** `file:line: rule "id": field reason`, ready to log or show. */
  message: string;
}

/** A rule (or a whole file) that could not be loaded; the rest still load. */
export interface InvalidRule {
  file: string;
  /** 1-based line where the rule (or the unreadable part of the file) starts. */
  line?: number;
  id?: string;
  problems: RuleProblem[];
}
