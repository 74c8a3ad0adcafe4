import type { EventMatcher } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { type Detection } from './detection';
import { formatDuration } from './durations';
import type { SequenceRule } from './rule';
import {
  RuleEvaluator,
  compileFilter,
  eventId,
  tenantOf,
  type EvaluatorOptions,
  type Group,
} from './rule-evaluator';

/**
 * Events kept per step and key. A chain picks the latest earlier-step event, so a
 * burst of step-1 events needs only the newest few.
 */
const EVENTS_PER_STEP = 8;

/** One step's recent events for a key, sorted by time. */
interface StepEvents {
  times: number[];
  ids: string[];
}

/**
 * `sequence`: events matching each step in order of event time (ties allowed, one
 * event never fills two steps), for the same `by` values, with the last at most
 * `within` after the first. Steps are remembered, not just the progress, so an
 * earlier step that arrives after a later one still completes the chain. Once a
 * chain completes, the key's events up to its end are used up. Events lacking a `by`
 * field belong to no key and are ignored.
 */
export class SequenceEvaluator extends RuleEvaluator<SequenceRule, StepEvents[]> {
  private readonly steps: EventMatcher[];

  constructor(rule: SequenceRule, options: EvaluatorOptions) {
    const filter = compileFilter(rule.filter);
    const steps = rule.sequence.steps.map((step) => compileFilter(step.filter));
    super(rule, options, (event) => filter(event) && steps.some((step) => step(event)));
    this.steps = steps;
  }

  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const values = this.fields.values(event);
    if (values.includes(null)) return true;
    const group = this.groupWith(tenantOf(event), values, time);
    const steps = group.data;
    const id = eventId(event);
    const horizon = group.lastSeen - this.rule.sequence.withinMs - this.options.latenessMs;
    if (time < horizon) return false;
    const matched: number[] = [];
    for (let step = 0; step < this.steps.length; step++) {
      if (!this.steps[step](event)) continue;
      remember(steps[step], time, id);
      matched.push(step);
    }
    for (const events of steps) forgetThrough(events, horizon - 1);
    for (const step of matched) {
      const chain = this.chainThrough(steps, step, time, id);
      if (chain === undefined) continue;
      const end = chain.times[chain.times.length - 1];
      for (const events of steps) forgetThrough(events, end);
      if (!this.throttled(group, end)) this.report(out, group, chain);
      return true;
    }
    return true;
  }

  /**
   * The tightest chain using this event at `step`: before it, each step's latest
   * event not after the next one; after it, each step's earliest not before the
   * previous one. Undefined when a step has no such event or the chain is too long.
   */
  private chainThrough(
    steps: StepEvents[],
    step: number,
    time: number,
    id: string,
  ): { times: number[]; ids: string[] } | undefined {
    const times: number[] = new Array<number>(this.steps.length);
    const ids: string[] = new Array<string>(this.steps.length);
    times[step] = time;
    ids[step] = id;
    for (let k = step - 1; k >= 0; k--) {
      const { times: candidates, ids: candidateIds } = steps[k];
      let pick = -1;
      for (let i = candidates.length - 1; i >= 0 && pick < 0; i--) {
        if (candidates[i] <= times[k + 1] && !ids.includes(candidateIds[i])) pick = i;
      }
      if (pick < 0) return undefined;
      times[k] = candidates[pick];
      ids[k] = candidateIds[pick];
    }
    for (let k = step + 1; k < this.steps.length; k++) {
      const { times: candidates, ids: candidateIds } = steps[k];
      let pick = -1;
      for (let i = 0; i < candidates.length && pick < 0; i++) {
        if (candidates[i] >= times[k - 1] && !ids.includes(candidateIds[i])) pick = i;
      }
      if (pick < 0) return undefined;
      times[k] = candidates[pick];
      ids[k] = candidateIds[pick];
    }
    return times[times.length - 1] - times[0] <= this.rule.sequence.withinMs
      ? { times, ids }
      : undefined;
  }

  private report(
    out: Detection[],
    group: Group<StepEvents[]>,
    chain: { times: number[]; ids: string[] },
  ): void {
    const span = chain.times[chain.times.length - 1] - chain.times[0];
    this.emit(
      out,
      group,
      {
        eventTime: chain.times[chain.times.length - 1],
        count: chain.times.length,
        eventIds: chain.ids,
        details: { span_ms: span, within: formatDuration(this.rule.sequence.withinMs) },
      },
      `${this.rule.sequence.steps.map((step) => step.name).join(' → ')} within ${formatDuration(span)}`,
    );
  }

  protected idleAfterMs(): number {
    return Math.max(this.rule.sequence.withinMs + this.options.latenessMs, this.rule.throttleMs);
  }

  protected newData(): StepEvents[] {
    return this.steps.map(() => ({ times: [], ids: [] }));
  }

  protected saveData(steps: StepEvents[]): [time: number, id: string][][] {
    return steps.map(({ times, ids }) => times.map((time, i): [number, string] => [time, ids[i]]));
  }

  protected loadData(saved: unknown): StepEvents[] {
    return (saved as [number, string][][]).map((events) => ({
      times: events.map(([time]) => time),
      ids: events.map(([, id]) => id),
    }));
  }
}

/** Inserts in time order, dropping the oldest beyond `EVENTS_PER_STEP`. */
function remember(step: StepEvents, time: number, id: string): void {
  let at = step.times.length;
  while (at > 0 && step.times[at - 1] > time) at--;
  step.times.splice(at, 0, time);
  step.ids.splice(at, 0, id);
  if (step.times.length > EVENTS_PER_STEP) {
    step.times.shift();
    step.ids.shift();
  }
}

function forgetThrough(step: StepEvents, time: number): void {
  let count = 0;
  while (count < step.times.length && step.times[count] <= time) count++;
  if (count === 0) return;
  step.times.splice(0, count);
  step.ids.splice(0, count);
}
