import { QuerySyntaxError, TIMESTAMP_FIELD, fieldsOf, parseQuery } from '@logwarden/query';
import { parseDuration } from './durations';
import {
  BUILT_IN_CATEGORIES,
  CATEGORY_PATTERN,
  RULE_TYPES,
  SEVERITIES,
  type AnomalyDirection,
  type Rule,
  type RuleSource,
  type RuleType,
  type SequenceStep,
  type Severity,
} from './rule';

import type { FieldPath } from './yaml-paths';

export interface FieldProblem {
  path: FieldPath;
  reason: string;
}

export type ValidationResult =
  { ok: true; rule: Rule } | { ok: false; id?: string; problems: FieldProblem[] };

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FIELD_PATH_PATTERN = /^[^\s.]+(\.[^\s.]+)*$/;
const MAX_CARDINALITY = 1000;
const MAX_SEQUENCE_STEPS = 10;
const MAX_NEW_TERM_DAYS = 365;
/** Anomaly rules have no window to throttle by; one detection per group per 5m stops a pegged metric from emitting on every sample. */
const ANOMALY_DEFAULT_THROTTLE_MS = 300_000;

const COMMON_FIELDS = [
  'id',
  'name',
  'description',
  'category',
  'severity',
  'type',
  'filter',
  'group_by',
  'throttle',
  'labels',
  'enabled',
];

/** Each type's settings sit under a key named after the type; `match` has none. */
const SETTINGS_TYPES: readonly string[] = RULE_TYPES.filter((type) => type !== 'match');

/**
 * Checks one rule as parsed from YAML or JSON and turns it into a `Rule`. Reports
 * every problem found rather than the first, so one edit fixes a file.
 */
export function validateRule(raw: unknown, source: RuleSource): ValidationResult {
  if (!isMap(raw)) {
    return { ok: false, problems: [{ path: [], reason: 'a rule must be a mapping of fields' }] };
  }
  const check = new Checker();
  const id = check.required(raw, ['id'], (value) =>
    typeof value === 'string' && ID_PATTERN.test(value)
      ? value
      : problem(
          'must be letters, digits, ".", "_" or "-" (at most 128, starting with a letter or digit)',
        ),
  );
  const name = check.required(raw, ['name'], nonEmptyString);
  const description = check.optional(raw, ['description'], anyString) ?? '';
  const category = check.required(raw, ['category'], categoryOf);
  const severity = check.required(raw, ['severity'], (value) => oneOf<Severity>(value, SEVERITIES));
  const type = check.required(raw, ['type'], (value) => oneOf<RuleType>(value, RULE_TYPES));
  const filter = check.required(raw, ['filter'], queryString);
  const groupBy = check.optional(raw, ['group_by'], fieldList) ?? [];
  const throttle = check.optional(raw, ['throttle'], durationOrZero);
  const labels = check.optional(raw, ['labels'], labelMap) ?? {};
  const enabled = check.optional(raw, ['enabled'], boolean) ?? true;

  for (const key of Object.keys(raw)) {
    if (COMMON_FIELDS.includes(key)) continue;
    if (!SETTINGS_TYPES.includes(key)) check.add([key], 'is not a rule field');
    else if (type !== undefined && key !== type) {
      check.add([key], `only applies to type ${key}, not ${type}`);
    }
  }
  if (type === 'sequence' && raw.group_by !== undefined) {
    check.add(['group_by'], 'does not apply to sequence rules; use sequence.by');
  }

  const settings = type === undefined ? undefined : typeSettings(check, raw, type);
  if (
    check.problems.length > 0 ||
    id === undefined ||
    name === undefined ||
    category === undefined ||
    severity === undefined ||
    filter === undefined ||
    settings === undefined
  ) {
    return { ok: false, id, problems: check.problems };
  }
  const common = {
    id,
    name,
    description,
    category,
    severity,
    filter,
    groupBy: settings.by ?? groupBy,
    throttleMs: throttle ?? settings.defaultThrottleMs,
    labels,
    enabled,
    source,
  };
  return { ok: true, rule: { ...common, ...settings.rule } as Rule };
}

interface TypeSettings {
  rule: Partial<Rule>;
  defaultThrottleMs: number;
  /** Sequence keys, which become the rule's `groupBy`. */
  by?: string[];
}

/** The type's settings block, or undefined when it has problems (recorded in `check`). */
function typeSettings(
  check: Checker,
  raw: Record<string, unknown>,
  type: RuleType,
): TypeSettings | undefined {
  if (type === 'match') return { rule: { type }, defaultThrottleMs: 0 };
  const block = check.required(raw, [type], (value) =>
    isMap(value) ? value : problem(`must be a mapping with the ${type} settings`),
  );
  if (block === undefined) return undefined;
  const problemsBefore = check.problems.length;
  const field = <T>(name: string, parse: Parse<T>, required = true): T | undefined =>
    required
      ? check.required(block, [type, name], parse)
      : check.optional(block, [type, name], parse);
  const settings = (known: string[], build: () => TypeSettings): TypeSettings | undefined => {
    for (const name of Object.keys(block)) {
      if (!known.includes(name)) check.add([type, name], `is not a ${type} setting`);
    }
    return check.problems.length === problemsBefore ? build() : undefined;
  };

  switch (type) {
    case 'threshold':
    case 'flatline': {
      const count = field('count', positiveInteger);
      const windowMs = field('window', duration);
      return settings(['count', 'window'], () => {
        const counting = { count: count!, windowMs: windowMs! };
        return {
          rule: type === 'threshold' ? { type, threshold: counting } : { type, flatline: counting },
          defaultThrottleMs: counting.windowMs,
        };
      });
    }
    case 'cardinality': {
      const name = field('field', fieldPath);
      const count = field('count', (value) => positiveInteger(value, MAX_CARDINALITY));
      const windowMs = field('window', duration);
      return settings(['field', 'count', 'window'], () => ({
        rule: { type, cardinality: { field: name!, count: count!, windowMs: windowMs! } },
        defaultThrottleMs: windowMs!,
      }));
    }
    case 'spike': {
      const windowMs = field('window', duration);
      const ratio = field('ratio', (value) =>
        typeof value === 'number' && Number.isFinite(value) && value >= 1
          ? value
          : problem(`must be a number of at least 1 (got ${describe(value)})`),
      );
      const minCount = field('min_count', positiveInteger);
      return settings(['window', 'ratio', 'min_count'], () => ({
        rule: { type, spike: { windowMs: windowMs!, ratio: ratio!, minCount: minCount! } },
        defaultThrottleMs: windowMs!,
      }));
    }
    case 'anomaly': {
      const name = field('field', fieldPath);
      const z = field('z', positiveNumber);
      const warmup = field('warmup', (value) =>
        Number.isSafeInteger(value) && (value as number) >= 2
          ? (value as number)
          : problem(`must be a whole number of samples, at least 2 (got ${describe(value)})`),
      );
      const alpha = field(
        'alpha',
        (value) =>
          typeof value === 'number' && value > 0 && value < 1
            ? value
            : problem(`must be a number between 0 and 1, exclusive (got ${describe(value)})`),
        false,
      );
      const direction = field(
        'direction',
        (value) => oneOf<AnomalyDirection>(value, ['up', 'down', 'both']),
        false,
      );
      const counter = field('counter', boolean, false);
      const minStddev = field(
        'min_stddev',
        (value) =>
          typeof value === 'number' && Number.isFinite(value) && value >= 0
            ? value
            : problem(`must be a number of at least 0 (got ${describe(value)})`),
        false,
      );
      return settings(
        ['field', 'z', 'warmup', 'alpha', 'direction', 'counter', 'min_stddev'],
        () => ({
          rule: {
            type,
            anomaly: {
              field: name!,
              z: z!,
              warmup: warmup!,
              alpha: alpha ?? 0.1,
              direction: direction ?? 'both',
              counter: counter ?? false,
              minStddev: minStddev ?? 0,
            },
          },
          defaultThrottleMs: ANOMALY_DEFAULT_THROTTLE_MS,
        }),
      );
    }
    case 'new_term': {
      const name = field('field', fieldPath);
      const days = field('days', (value) => positiveInteger(value, MAX_NEW_TERM_DAYS));
      return settings(['field', 'days'], () => ({
        rule: { type, newTerm: { field: name!, days: days! } },
        defaultThrottleMs: 0,
      }));
    }
    case 'sequence': {
      const by = field('by', (value) => {
        const fields = fieldList(value);
        return isProblem(fields) || fields.length > 0
          ? fields
          : problem('must name at least one field');
      });
      const withinMs = field('within', duration);
      const steps = field('steps', (value) =>
        Array.isArray(value) && value.length >= 2 && value.length <= MAX_SEQUENCE_STEPS
          ? (value as unknown[])
          : problem(`must be a list of 2 to ${MAX_SEQUENCE_STEPS} steps`),
      );
      const validSteps = (steps ?? []).map((step, index) =>
        sequenceStep(check, step, [type, 'steps', index]),
      );
      return settings(['by', 'within', 'steps'], () => ({
        rule: { type, sequence: { withinMs: withinMs!, steps: validSteps as SequenceStep[] } },
        defaultThrottleMs: withinMs!,
        by,
      }));
    }
  }
}

function sequenceStep(check: Checker, step: unknown, path: FieldPath): SequenceStep | undefined {
  if (!isMap(step)) {
    check.add(path, 'must be a mapping with a filter');
    return undefined;
  }
  const filter = check.required(step, [...path, 'filter'], queryString);
  const name = check.optional(step, [...path, 'name'], nonEmptyString);
  for (const field of Object.keys(step)) {
    if (field !== 'filter' && field !== 'name')
      check.add([...path, field], 'is not a step setting');
  }
  const index = path[path.length - 1] as number;
  return filter === undefined ? undefined : { name: name ?? `step ${index + 1}`, filter };
}

/** A reason a value is unacceptable; a class, so no accepted value (a label map) can pass for one. */
class Problem {
  constructor(readonly reason: string) {}
}

type Parse<T> = (value: unknown) => T | Problem;

const problem = (reason: string): Problem => new Problem(reason);

function isProblem(value: unknown): value is Problem {
  return value instanceof Problem;
}

class Checker {
  readonly problems: FieldProblem[] = [];

  add(path: FieldPath, reason: string): void {
    this.problems.push({ path, reason });
  }

  required<T>(parent: Record<string, unknown>, path: FieldPath, parse: Parse<T>): T | undefined {
    const value = parent[String(path[path.length - 1])];
    if (value === undefined || value === null) {
      this.add(path, 'is required');
      return undefined;
    }
    return this.parse(value, path, parse);
  }

  optional<T>(parent: Record<string, unknown>, path: FieldPath, parse: Parse<T>): T | undefined {
    const value = parent[String(path[path.length - 1])];
    return value === undefined || value === null ? undefined : this.parse(value, path, parse);
  }

  private parse<T>(value: unknown, path: FieldPath, parse: Parse<T>): T | undefined {
    const result = parse(value);
    if (isProblem(result)) {
      this.add(path, result.reason);
      return undefined;
    }
    return result;
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

function anyString(value: unknown): string | Problem {
  return typeof value === 'string' ? value : problem('must be a string');
}

function nonEmptyString(value: unknown): string | Problem {
  return typeof value === 'string' && value.trim() !== ''
    ? value
    : problem('must be a non-empty string');
}

function boolean(value: unknown): boolean | Problem {
  return typeof value === 'boolean' ? value : problem('must be true or false');
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | Problem {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : problem(`must be one of ${allowed.join(', ')} (got ${describe(value)})`);
}

function categoryOf(value: unknown): string | Problem {
  return typeof value === 'string' && CATEGORY_PATTERN.test(value)
    ? value
    : problem(
        `must be one of ${BUILT_IN_CATEGORIES.join(', ')} or your own lower-case name of letters, digits and "-" (got ${describe(value)})`,
      );
}

function positiveInteger(value: unknown, max = Number.MAX_SAFE_INTEGER): number | Problem {
  return Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= max
    ? (value as number)
    : problem(
        max === Number.MAX_SAFE_INTEGER
          ? `must be a positive integer (got ${describe(value)})`
          : `must be a positive integer of at most ${max} (got ${describe(value)})`,
      );
}

function positiveNumber(value: unknown): number | Problem {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? value
    : problem(`must be a positive number (got ${describe(value)})`);
}

function duration(value: unknown): number | Problem {
  return (
    parseDuration(value) ??
    problem(`must be a duration like 30s, 5m, 1h or 7d, at most 365d (got ${describe(value)})`)
  );
}

function durationOrZero(value: unknown): number | Problem {
  return value === 0 || value === '0' ? 0 : duration(value);
}

function fieldPath(value: unknown): string | Problem {
  return typeof value === 'string' && FIELD_PATH_PATTERN.test(value)
    ? value
    : problem(`must be a dotted field path like source.ip (got ${describe(value)})`);
}

function fieldList(value: unknown): string[] | Problem {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) return problem('must be a list of field paths');
  const fields: string[] = [];
  for (const item of list) {
    const field = fieldPath(item);
    if (isProblem(field)) return field;
    if (fields.includes(field)) return problem(`names ${field} twice`);
    fields.push(field);
  }
  return fields;
}

function labelMap(value: unknown): Record<string, string> | Problem {
  if (!isMap(value)) return problem('must be a mapping of names to values');
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      return problem(`${key} must be a string`);
    }
    labels[key] = String(label);
  }
  return labels;
}

function queryString(value: unknown): string | Problem {
  if (typeof value !== 'string') return problem('must be a query string');
  try {
    const fields = fieldsOf(parseQuery(value));
    // Date math would be frozen at load time, and windows come from the rule's settings.
    if (fields.has(TIMESTAMP_FIELD))
      return problem(`must not test ${TIMESTAMP_FIELD}; rule types set the time windows`);
    return value;
  } catch (error) {
    if (error instanceof QuerySyntaxError) return problem(`is not a valid query: ${error.message}`);
    throw error;
  }
}
