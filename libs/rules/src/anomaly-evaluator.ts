import { getField, type EcsEvent } from '@logwarden/schema';
import { type Detection } from './detection';
import type { AnomalyRule } from './rule';
import { RuleEvaluator, eventId, type Group } from './rule-evaluator';

/** Without `min_stddev`, a series that was perfectly flat would turn any wobble into an infinite z-score. */
const RELATIVE_STDDEV_FLOOR = 0.01;
const ABSOLUTE_STDDEV_FLOOR = 1e-9;

interface Baseline {
  samples: number;
  mean: number;
  variance: number;
  /** Counter mode: the previous raw reading and its time (NaN before the first). */
  previous: number;
  previousTime: number;
}

/**
 * `anomaly`: each sample of a numeric field is scored against the group's
 * exponentially weighted mean and variance (weight `alpha` for the newest sample),
 * then folded into them, so a lasting change becomes the new normal. No group fires
 * before `warmup` samples. In counter mode the sample is the per-second increase of
 * a cumulative counter (network bytes); a decrease is a counter reset, not a sample.
 * Samples are used in arrival order.
 */
export class AnomalyEvaluator extends RuleEvaluator<AnomalyRule, Baseline> {
  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const { field, counter, warmup } = this.rule.anomaly;
    const reading = numberOf(getField(event, field));
    if (reading === undefined) return true;
    const group = this.group(event, time);
    const baseline = group.data;
    let value = reading;
    if (counter) {
      if (time <= baseline.previousTime) return false;
      const { previous, previousTime } = baseline;
      baseline.previous = reading;
      baseline.previousTime = time;
      if (Number.isNaN(previous) || reading < previous) return true;
      value = (reading - previous) / ((time - previousTime) / 1000);
    }
    if (baseline.samples >= warmup) this.judge(event, group, time, value, out);
    learn(baseline, value, this.rule.anomaly.alpha);
    return true;
  }

  private judge(
    event: EcsEvent,
    group: Group<Baseline>,
    time: number,
    value: number,
    out: Detection[],
  ): void {
    const { mean, variance, samples } = group.data;
    const { field, z: threshold, direction, counter, minStddev } = this.rule.anomaly;
    const stddev = Math.max(
      Math.sqrt(variance),
      minStddev > 0
        ? minStddev
        : Math.max(Math.abs(mean) * RELATIVE_STDDEV_FLOOR, ABSOLUTE_STDDEV_FLOOR),
    );
    const z = (value - mean) / stddev;
    const anomalous =
      direction === 'up'
        ? z >= threshold
        : direction === 'down'
          ? -z >= threshold
          : Math.abs(z) >= threshold;
    if (!anomalous || this.throttled(group, time)) return;
    const unit = counter ? '/s' : '';
    this.emit(
      out,
      group,
      {
        eventTime: time,
        count: 1,
        eventIds: [eventId(event)],
        details: { value, mean, stddev, z, samples },
      },
      `${field}${counter ? ' rate' : ''} ${formatNumber(value)}${unit}`,
      ` is ${formatNumber(Math.abs(z))}σ ${z > 0 ? 'above' : 'below'} its mean ${formatNumber(mean)}${unit} (threshold ${threshold}σ)`,
    );
  }

  /** Baselines stay until the group is evicted: a container back after an hour keeps its normal. */
  protected idleAfterMs(): number {
    return Infinity;
  }

  protected newData(): Baseline {
    return { samples: 0, mean: 0, variance: 0, previous: NaN, previousTime: -Infinity };
  }

  protected saveData(baseline: Baseline): number[] {
    const { samples, mean, variance, previous, previousTime } = baseline;
    return Number.isNaN(previous)
      ? [samples, mean, variance]
      : [samples, mean, variance, previous, previousTime];
  }

  protected loadData(saved: unknown): Baseline {
    const [samples, mean, variance, previous = NaN, previousTime = -Infinity] = saved as number[];
    return { samples, mean, variance, previous, previousTime };
  }
}

/** West's incremental exponentially weighted mean and variance. */
function learn(baseline: Baseline, value: number, alpha: number): void {
  if (baseline.samples === 0) {
    baseline.mean = value;
    baseline.variance = 0;
  } else {
    const difference = value - baseline.mean;
    const increment = alpha * difference;
    baseline.mean += increment;
    baseline.variance = (1 - alpha) * (baseline.variance + difference * increment);
  }
  baseline.samples++;
}

function numberOf(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : undefined;
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(3)));
}
