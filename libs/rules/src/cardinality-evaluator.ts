import { getField, type EcsEvent } from '@logwarden/schema';
import { type Detection } from './detection';
import { formatDuration } from './durations';
import type { CardinalityRule } from './rule';
import { RuleEvaluator, eventId } from './rule-evaluator';
import { Samples, type SamplesSnapshot } from './samples';

/** Values tracked beyond the rule's count, so a detection can report a little more than the threshold. */
const EXTRA_VALUES = 16;

interface Distinct {
  /** Distinct value → newest event time, least recently seen first. */
  seen: Map<string, number>;
  samples: Samples;
}

/**
 * `cardinality`: at least `count` distinct values of a field in a window, per group
 * (ports per source). A group keeps at most count + 16 values, dropping the least
 * recently seen: judging "≥ count" only needs the newest ones, so a scan of 60,000
 * ports costs the same memory as one of 40. Judged at the group's newest event time,
 * so a late value counts only while still inside that window.
 */
export class CardinalityEvaluator extends RuleEvaluator<CardinalityRule, Distinct> {
  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const { field, count: threshold, windowMs } = this.rule.cardinality;
    const value = getField(event, field);
    if (value === undefined || value === null) return true;
    const group = this.group(event, time);
    const { seen, samples } = group.data;
    const windowStart = group.lastSeen - windowMs;
    if (time <= windowStart) return false;
    const capacity = threshold + EXTRA_VALUES;
    if (Array.isArray(value)) {
      for (const element of value) note(seen, termOf(element), time, capacity);
    } else {
      note(seen, termOf(value), time, capacity);
    }
    samples.add(eventId(event), time);
    for (const [term, seenAt] of seen) {
      if (seenAt > windowStart) break;
      seen.delete(term);
    }
    if (seen.size < threshold) return true;
    let distinct = 0;
    for (const seenAt of seen.values()) if (seenAt > windowStart) distinct++;
    if (distinct < threshold || this.throttled(group, time)) return true;
    const window = formatDuration(windowMs);
    this.emit(
      out,
      group,
      {
        eventTime: time,
        count: distinct,
        eventIds: samples.between(windowStart, Infinity),
        details: { threshold, window, field },
      },
      `${distinct === capacity ? 'at least ' : ''}${distinct} distinct ${field} values in ${window}`,
      ` (threshold ${threshold})`,
    );
    return true;
  }

  protected idleAfterMs(): number {
    return Math.max(this.rule.cardinality.windowMs, this.rule.throttleMs);
  }

  protected newData(): Distinct {
    return { seen: new Map(), samples: new Samples() };
  }

  protected saveData(distinct: Distinct): [seen: [string, number][], samples: SamplesSnapshot] {
    return [[...distinct.seen], distinct.samples.snapshot()];
  }

  protected loadData(saved: unknown): Distinct {
    const [seen, samples] = saved as [[string, number][], SamplesSnapshot];
    return { seen: new Map(seen), samples: Samples.restore(samples) };
  }
}

/** Numbers and their strings count as one value (port 22 and "22"); objects are not values. */
function termOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

/** Records `term` as seen at `time`, keeping the map in least-recently-seen order. */
function note(
  seen: Map<string, number>,
  term: string | undefined,
  time: number,
  capacity: number,
): void {
  if (term === undefined) return;
  const previous = seen.get(term);
  if (previous !== undefined) {
    if (time <= previous) return;
    seen.delete(term);
  } else if (seen.size >= capacity) {
    const oldest = seen.keys().next();
    if (!oldest.done) seen.delete(oldest.value);
  }
  seen.set(term, time);
}
