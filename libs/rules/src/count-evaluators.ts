import type { EcsEvent } from '@logwarden/schema';
import { plural, type Detection } from './detection';
import { formatDuration } from './durations';
import type { FlatlineRule, SpikeRule, ThresholdRule } from './rule';
import { RuleEvaluator, eventId, type EvaluatorOptions, type SavedRule } from './rule-evaluator';
import { Samples, type SamplesSnapshot } from './samples';
import { BucketRing, windowShape, type RingSnapshot, type WindowShape } from './windows';

interface Counts {
  ring: BucketRing;
  samples: Samples;
  /** When tracking began (spike: the baseline is whole two windows later). */
  firstSeen: number;
  /** Flatline: the group reached the count since its last detection, so a drop is news. */
  armed: boolean;
}

type SavedCounts = [
  buckets: RingSnapshot,
  samples: SamplesSnapshot,
  firstSeen: number,
  armed: boolean,
];

type CountRule = ThresholdRule | SpikeRule | FlatlineRule;

/**
 * Rules that count matching events per group in event-time buckets. An event that
 * arrives late still lands in its own bucket, and every window it belongs to is
 * judged again, so out-of-order arrival within the lateness changes nothing.
 */
abstract class CountEvaluator<R extends CountRule> extends RuleEvaluator<R, Counts> {
  protected readonly shape: WindowShape;

  constructor(rule: R, options: EvaluatorOptions, windowMs: number, windows: number) {
    super(rule, options);
    this.shape = windowShape(windowMs, windows, options.latenessMs);
  }

  protected idleAfterMs(): number {
    return Math.max(this.shape.slots * this.shape.bucketMs, this.rule.throttleMs);
  }

  /** Counts the event; false when it is older than the group's ring. */
  protected count(event: EcsEvent, counts: Counts, time: number): boolean {
    if (!counts.ring.add(time)) return false;
    counts.samples.add(eventId(event), time);
    return true;
  }

  /** The buckets whose windows include `time`: its own, up to the newest or one window later. */
  protected windowEnds(counts: Counts, time: number): [first: number, last: number] {
    const first = counts.ring.epochOf(time);
    return [first, Math.min(first + this.shape.buckets - 1, counts.ring.newest)];
  }

  /** Ids of sample events in the window ending with bucket `end`. */
  protected samplesIn(counts: Counts, end: number): string[] {
    const endTime = (end + 1) * this.shape.bucketMs;
    const windowLength = this.shape.buckets * this.shape.bucketMs;
    return counts.samples.between(endTime - 1 - windowLength, endTime - 1);
  }

  protected newData(time: number): Counts {
    return {
      ring: new BucketRing(this.shape),
      samples: new Samples(),
      firstSeen: time,
      armed: false,
    };
  }

  protected saveData(counts: Counts): SavedCounts {
    return [counts.ring.snapshot(), counts.samples.snapshot(), counts.firstSeen, counts.armed];
  }

  protected loadData(saved: unknown): Counts {
    const [buckets, samples, firstSeen, armed] = saved as SavedCounts;
    return {
      ring: BucketRing.restore(this.shape, buckets),
      samples: Samples.restore(samples),
      firstSeen,
      armed,
    };
  }
}

/** `threshold`: at least `count` events in a sliding window, per group. */
export class ThresholdEvaluator extends CountEvaluator<ThresholdRule> {
  constructor(rule: ThresholdRule, options: EvaluatorOptions) {
    super(rule, options, rule.threshold.windowMs, 1);
  }

  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const group = this.group(event, time);
    const counts = group.data;
    if (!this.count(event, counts, time)) return false;
    const { count: threshold, windowMs } = this.rule.threshold;
    const [first, last] = this.windowEnds(counts, time);
    for (let end = first; end <= last; end++) {
      const count = counts.ring.window(end);
      if (count < threshold) continue;
      if (this.throttled(group, time)) return true;
      this.emit(
        out,
        group,
        {
          eventTime: time,
          count,
          eventIds: this.samplesIn(counts, end),
          details: { threshold, window: formatDuration(windowMs) },
        },
        `${plural(count, 'event')} in ${formatDuration(windowMs)}`,
        ` (threshold ${threshold})`,
      );
      return true;
    }
    return true;
  }
}

/**
 * `spike`: the current window holds at least `min_count` events and `ratio` times
 * the preceding window. Like ElastAlert, a group is judged only once it has been
 * tracked for two windows, so that the baseline window was fully observed: neither
 * a new group nor every group after a cold start fires on its first burst.
 */
export class SpikeEvaluator extends CountEvaluator<SpikeRule> {
  constructor(rule: SpikeRule, options: EvaluatorOptions) {
    super(rule, options, rule.spike.windowMs, 2);
  }

  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const group = this.group(event, time);
    const counts = group.data;
    if (!this.count(event, counts, time)) return false;
    const { windowMs, ratio, minCount } = this.rule.spike;
    const [first, last] = this.windowEnds(counts, time);
    for (let end = first; end <= last; end++) {
      const endTime = end === first ? time : end * this.shape.bucketMs;
      if (endTime - counts.firstSeen < 2 * windowMs) continue;
      const current = counts.ring.window(end);
      const baseline = counts.ring.window(end, 1);
      if (current < minCount || current < ratio * baseline) continue;
      if (this.throttled(group, time)) return true;
      const window = formatDuration(windowMs);
      this.emit(
        out,
        group,
        {
          eventTime: time,
          count: current,
          eventIds: this.samplesIn(counts, end),
          details: { baseline, ratio, min_count: minCount, window },
        },
        `${plural(current, 'event')} in ${window}`,
        baseline === 0
          ? `, up from none in the preceding ${window}`
          : `, ${(current / baseline).toFixed(1)}× the preceding ${window} (${baseline})`,
      );
      return true;
    }
    return true;
  }
}

/**
 * `flatline`: a group that had at least `count` events in a window falls below it.
 * Judged only in `advance(watermark)`, on the window ending at the watermark, since
 * silence has no event to trigger on; the caller picks how far behind the wall clock
 * the watermark runs. A group is armed once it reaches the count, fires once when
 * it drops below, and is armed again only when it recovers.
 */
export class FlatlineEvaluator extends CountEvaluator<FlatlineRule> {
  /** Last bucket judged; judging again within one bucket could not change a verdict. */
  private judged = -Infinity;

  constructor(rule: FlatlineRule, options: EvaluatorOptions) {
    super(rule, options, rule.flatline.windowMs, 1);
  }

  evaluate(event: EcsEvent, time: number): boolean {
    const counts = this.group(event, time).data;
    if (!this.count(event, counts, time)) return false;
    const [first, last] = this.windowEnds(counts, time);
    for (let end = first; end <= last && !counts.armed; end++) {
      counts.armed = counts.ring.window(end) >= this.rule.flatline.count;
    }
    return true;
  }

  override advance(watermark: number, out: Detection[]): void {
    const epoch = Math.floor(watermark / this.shape.bucketMs);
    if (epoch <= this.judged) return;
    this.judged = epoch;
    const { count: threshold, windowMs } = this.rule.flatline;
    const idleBefore = watermark - this.idleAfterMs();
    for (const [key, group] of this.groups.entries()) {
      const counts = group.data;
      if (!counts.armed) {
        if (group.lastSeen < idleBefore) this.groups.delete(key);
        continue;
      }
      const count = counts.ring.window(epoch);
      if (count >= threshold || this.throttled(group, watermark)) continue;
      counts.armed = false;
      const window = formatDuration(windowMs);
      const lastSeen = new Date(group.lastSeen).toISOString();
      this.emit(
        out,
        group,
        {
          eventTime: watermark,
          count,
          eventIds: [],
          details: { threshold, window, last_seen: lastSeen },
        },
        `${plural(count, 'event')} in ${window}`,
        `, below ${threshold}; last event at ${lastSeen}`,
      );
    }
  }

  override snapshot(): SavedRule {
    return { ...super.snapshot(), cursor: Number.isFinite(this.judged) ? this.judged : undefined };
  }

  override restore(saved: SavedRule): void {
    super.restore(saved);
    this.judged = saved.cursor ?? -Infinity;
  }
}
