import type { EcsEvent } from '@logwarden/schema';
import { plural, type Detection } from './detection';
import { formatDuration } from './durations';
import type { MatchRule } from './rule';
import { RuleEvaluator, eventId } from './rule-evaluator';
import { Samples, type SamplesSnapshot } from './samples';

interface Pending {
  /** Matching events since the group's last detection, which the next one reports. */
  count: number;
  samples: Samples;
}

/**
 * `match`: every matching event is a detection. Late events still fire, since no
 * window can be over for them. With a `throttle`, a group's events within it are
 * folded into its next detection's count; without one, no state is kept.
 */
export class MatchEvaluator extends RuleEvaluator<MatchRule, Pending> {
  override readonly windowed = false;

  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const id = eventId(event);
    if (this.rule.throttleMs === 0) {
      this.emit(
        out,
        this.identify(event, time),
        { eventTime: time, count: 1, eventIds: [id], details: {} },
        '1 matching event',
      );
      return true;
    }
    const group = this.group(event, time);
    const pending = group.data;
    pending.count++;
    pending.samples.add(id, time);
    if (this.throttled(group, time)) return true;
    const count = pending.count;
    pending.count = 0;
    this.emit(
      out,
      group,
      {
        eventTime: time,
        count,
        eventIds: pending.samples.between(group.lastFired, Infinity),
        details: { throttle: formatDuration(this.rule.throttleMs) },
      },
      count === 1
        ? '1 matching event'
        : `${plural(count, 'matching event')} since the last detection`,
    );
    return true;
  }

  protected idleAfterMs(): number {
    return this.rule.throttleMs;
  }

  protected newData(): Pending {
    return { count: 0, samples: new Samples() };
  }

  protected saveData(pending: Pending): [count: number, samples: SamplesSnapshot] {
    return [pending.count, pending.samples.snapshot()];
  }

  protected loadData(saved: unknown): Pending {
    const [count, samples] = saved as [number, SamplesSnapshot];
    return { count, samples: Samples.restore(samples) };
  }
}
