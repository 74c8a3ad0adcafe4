import { hash } from 'node:crypto';
import { eventTimeMillis } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { AnomalyEvaluator } from './anomaly-evaluator';
import { CardinalityEvaluator } from './cardinality-evaluator';
import { FlatlineEvaluator, SpikeEvaluator, ThresholdEvaluator } from './count-evaluators';
import type { Detection } from './detection';
import { MatchEvaluator } from './match-evaluator';
import { NewTermEvaluator, type NewTermSeed } from './new-term-evaluator';
import type { Rule } from './rule';
import type { EvaluatorOptions, RuleEvaluator, SavedRule } from './rule-evaluator';
import { SequenceEvaluator } from './sequence-evaluator';

export interface RuleEngineOptions {
  /** Groups kept per rule before the least recently seen is evicted (new_term: group and value pairs). */
  maxGroupsPerRule?: number;
  /** How far behind the newest event time an event may arrive and still count. */
  allowedLatenessMs?: number;
}

export interface EngineStats {
  /**
   * Events a stateful rule matched but ignored as too old: beyond the allowed
   * lateness, or older than what the rule keeps for their group (a counter sample
   * older than the previous one). Counted once per event.
   */
  late: number;
  /** Matching events without a readable `@timestamp` or `event.ingested`; no rule used them. */
  untimed: number;
  /** Groups evicted to stay within `maxGroupsPerRule`, all rules together. */
  evicted: number;
  /** Groups currently kept, by rule id. */
  groups: Record<string, number>;
}

/** Everything the engine knows, as plain JSON; `restore` continues from it. */
export interface EngineState {
  version: 1;
  /** Newest event time seen or advanced to; null before any. */
  watermark: number | null;
  late: number;
  untimed: number;
  /** By rule id; `fingerprint` ties the state to the rule settings it was built with. */
  rules: Record<string, { fingerprint: string; state: SavedRule }>;
}

export interface RestoreResult {
  /** Rules whose state was restored. */
  restored: string[];
  /** Rules in the snapshot that are gone or whose settings changed; they start empty. */
  discarded: string[];
}

const DEFAULT_MAX_GROUPS = 10_000;
const DEFAULT_LATENESS_MS = 300_000;

/**
 * Runs rules over a stream of events in event time (`@timestamp`). Pure: no I/O, no
 * wall clock; the caller feeds events with `evaluate` and moves time on with
 * `advance` when events are quiet.
 */
export class RuleEngine {
  private readonly evaluators: RuleEvaluator[];
  private readonly byId = new Map<string, RuleEvaluator>();
  private readonly latenessMs: number;
  private watermark = -Infinity;
  private late = 0;
  private untimed = 0;

  /** Disabled rules are skipped. Throws on options out of range or two rules with one id. */
  constructor(rules: Rule[], options: RuleEngineOptions = {}) {
    const maxGroups = options.maxGroupsPerRule ?? DEFAULT_MAX_GROUPS;
    this.latenessMs = options.allowedLatenessMs ?? DEFAULT_LATENESS_MS;
    if (!Number.isSafeInteger(maxGroups) || maxGroups < 1) {
      throw new RangeError(`maxGroupsPerRule must be a positive integer, got ${maxGroups}`);
    }
    if (!Number.isFinite(this.latenessMs) || this.latenessMs < 0) {
      throw new RangeError(
        `allowedLatenessMs must be a non-negative number, got ${this.latenessMs}`,
      );
    }
    const evaluatorOptions: EvaluatorOptions = { maxGroups, latenessMs: this.latenessMs };
    for (const rule of rules) {
      if (!rule.enabled) continue;
      if (this.byId.has(rule.id)) throw new Error(`Two rules have the id "${rule.id}"`);
      this.byId.set(rule.id, createEvaluator(rule, evaluatorOptions));
    }
    this.evaluators = [...this.byId.values()];
  }

  /**
   * Runs every rule on one event and returns the detections it caused. An event older
   * than the newest event time minus the allowed lateness still fires `match` rules
   * but is ignored by the others, and counted as late.
   */
  evaluate(event: EcsEvent): Detection[] {
    const out: Detection[] = [];
    let time = NaN;
    let late = false;
    let lateSeen = false;
    for (let i = 0; i < this.evaluators.length; i++) {
      const evaluator = this.evaluators[i];
      if (!evaluator.matches(event)) continue;
      // The timestamp is read only once some rule wants the event.
      if (Number.isNaN(time)) {
        time = eventTime(event);
        if (Number.isNaN(time)) {
          this.untimed++;
          return out;
        }
        late = time < this.watermark - this.latenessMs;
        if (!late) this.raiseWatermark(event, time);
      }
      if (late && evaluator.windowed) lateSeen = true;
      else if (!evaluator.evaluate(event, time, out)) lateSeen = true;
    }
    if (lateSeen) this.late++;
    return out;
  }

  /** Whether some rule reads the event. `evaluate` leaves the engine as it was for any other. */
  wants(event: EcsEvent): boolean {
    for (let i = 0; i < this.evaluators.length; i++)
      if (this.evaluators[i].matches(event)) return true;
    return false;
  }

  /**
   * Declares that event time has reached `watermarkMs`: flatline rules judge the
   * window ending there, idle groups are forgotten, and events older than
   * `watermarkMs` minus the allowed lateness are from now on late.
   */
  advance(watermarkMs: number): Detection[] {
    if (!Number.isFinite(watermarkMs)) {
      throw new RangeError(`advance needs an epoch time in milliseconds, got ${watermarkMs}`);
    }
    if (watermarkMs > this.watermark) this.watermark = watermarkMs;
    const out: Detection[] = [];
    for (const evaluator of this.evaluators) evaluator.advance(watermarkMs, out);
    return out;
  }

  /** Values a new_term rule should treat as already seen, e.g. read from stored history at start. */
  seed(ruleId: string, terms: Iterable<NewTermSeed>): void {
    const evaluator = this.byId.get(ruleId);
    if (!(evaluator instanceof NewTermEvaluator)) {
      throw new Error(`No enabled new_term rule has the id "${ruleId}"`);
    }
    evaluator.seed(terms);
  }

  stats(): EngineStats {
    const groups: Record<string, number> = {};
    let evicted = 0;
    for (const evaluator of this.evaluators) {
      groups[evaluator.rule.id] = evaluator.groupCount;
      evicted += evaluator.evicted;
    }
    return { late: this.late, untimed: this.untimed, evicted, groups };
  }

  snapshot(): EngineState {
    const rules: EngineState['rules'] = {};
    for (const evaluator of this.evaluators) {
      rules[evaluator.rule.id] = {
        fingerprint: fingerprint(evaluator.rule),
        state: evaluator.snapshot(),
      };
    }
    return {
      version: 1,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      late: this.late,
      untimed: this.untimed,
      rules,
    };
  }

  /**
   * Continues from a snapshot, into an engine that has not evaluated anything yet.
   * A rule whose settings changed since starts empty rather than misread its state.
   */
  restore(state: EngineState): RestoreResult {
    if (state.version !== 1)
      throw new Error(`Unsupported engine state version ${String(state.version)}`);
    this.watermark = state.watermark ?? -Infinity;
    this.late = state.late;
    this.untimed = state.untimed;
    const result: RestoreResult = { restored: [], discarded: [] };
    for (const [id, saved] of Object.entries(state.rules)) {
      const evaluator = this.byId.get(id);
      if (evaluator === undefined || fingerprint(evaluator.rule) !== saved.fingerprint) {
        result.discarded.push(id);
        continue;
      }
      evaluator.restore(saved.state);
      result.restored.push(id);
    }
    return result;
  }

  /**
   * A timestamp far in the future (a skewed clock, a forged event) must not make
   * every later event late: beyond the lateness, the watermark moves no further
   * than the event's receive time plus the lateness.
   */
  private raiseWatermark(event: EcsEvent, time: number): void {
    if (time <= this.watermark) return;
    let next = time;
    if (time > this.watermark + this.latenessMs) {
      const received = eventTimeMillis(event.event?.ingested);
      if (received !== undefined && time > received + this.latenessMs) {
        next = Math.max(this.watermark, received + this.latenessMs);
      }
    }
    this.watermark = next;
  }
}

function createEvaluator(rule: Rule, options: EvaluatorOptions): RuleEvaluator {
  switch (rule.type) {
    case 'match':
      return new MatchEvaluator(rule, options);
    case 'threshold':
      return new ThresholdEvaluator(rule, options);
    case 'cardinality':
      return new CardinalityEvaluator(rule, options);
    case 'spike':
      return new SpikeEvaluator(rule, options);
    case 'anomaly':
      return new AnomalyEvaluator(rule, options);
    case 'new_term':
      return new NewTermEvaluator(rule, options);
    case 'flatline':
      return new FlatlineEvaluator(rule, options);
    case 'sequence':
      return new SequenceEvaluator(rule, options);
  }
}

/** `@timestamp`, else the receive time (the normalizer's own fallback); NaN when neither reads. */
function eventTime(event: EcsEvent): number {
  return eventTimeMillis(event['@timestamp']) ?? eventTimeMillis(event.event?.ingested) ?? NaN;
}

/** What the state depends on: type, filter, groups and type settings, not names, labels or throttle. */
function fingerprint(rule: Rule): string {
  const { type, filter, groupBy } = rule;
  const settings = JSON.stringify({ type, filter, groupBy, settings: settingsOf(rule) });
  return hash('sha256', settings, 'base64url').slice(0, 22);
}

function settingsOf(rule: Rule): object | null {
  switch (rule.type) {
    case 'match':
      return null;
    case 'threshold':
      return rule.threshold;
    case 'cardinality':
      return rule.cardinality;
    case 'spike':
      return rule.spike;
    case 'anomaly':
      return rule.anomaly;
    case 'new_term':
      return rule.newTerm;
    case 'flatline':
      return rule.flatline;
    case 'sequence':
      return rule.sequence;
  }
}
