import { getField, type EcsEvent } from '@logwarden/schema';
import { type Detection } from './detection';
import type { NewTermRule } from './rule';
import { groupKey } from './group-fields';
import { RuleEvaluator, eventId, tenantOf } from './rule-evaluator';

const DAY_MS = 86_400_000;

/** A value already seen for a group, e.g. from stored history when the engine starts. */
export interface NewTermSeed {
  tenant: string;
  /** The rule's `group_by` values by field path; absent fields are null. */
  group: Record<string, unknown>;
  value: string | number | boolean;
  lastSeen: number;
  firstSeen?: number;
}

/**
 * `new_term`: a value of a field not seen for the group in the last `days`. Every
 * (group, value) pair is one entry of the rule's bounded table, so
 * `maxGroupsPerRule` bounds pairs, and an evicted pair can fire again as new.
 * Until seeded, everything is new. A pair's group values end with the value, and
 * its data is when the value was first seen.
 */
export class NewTermEvaluator extends RuleEvaluator<NewTermRule, number> {
  /** The group fields followed by the rule's field: what a detection's group values hold. */
  private readonly keyFields = [...this.rule.groupBy, this.rule.newTerm.field];

  evaluate(event: EcsEvent, time: number, out: Detection[]): boolean {
    const value = getField(event, this.rule.newTerm.field);
    if (Array.isArray(value)) {
      for (const element of value) this.observe(event, element, time, out);
    } else {
      this.observe(event, value, time, out);
    }
    return true;
  }

  seed(terms: Iterable<NewTermSeed>): void {
    for (const { tenant, group, value, lastSeen, firstSeen = lastSeen } of terms) {
      const values = [...this.rule.groupBy.map((field) => group[field] ?? null), value];
      const pair = this.groupWith(tenant, values, lastSeen);
      pair.data = Math.min(pair.data, firstSeen);
    }
  }

  private observe(event: EcsEvent, value: unknown, time: number, out: Detection[]): void {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return;
    const tenant = tenantOf(event);
    const key = this.fields.key(event, tenant, value);
    let pair = this.groups.get(key);
    if (pair === undefined) {
      const values = this.fields.values(event);
      values.push(value);
      pair = this.addGroup(groupKey(tenant, values), tenant, values, time);
    } else {
      const stale = time - pair.lastSeen > this.rule.newTerm.days * DAY_MS;
      pair.lastSeen = Math.max(pair.lastSeen, time);
      if (!stale) return;
      pair.data = time;
    }
    if (this.throttled(pair, time)) return;
    this.emit(
      out,
      pair,
      {
        eventTime: time,
        count: 1,
        eventIds: [eventId(event)],
        details: { days: this.rule.newTerm.days },
      },
      `new ${this.rule.newTerm.field}`,
      ` (not seen in the last ${this.rule.newTerm.days}d)`,
      this.keyFields,
    );
  }

  protected idleAfterMs(): number {
    return this.rule.newTerm.days * DAY_MS;
  }

  protected newData(time: number): number {
    return time;
  }

  protected saveData(firstSeen: number): number {
    return firstSeen;
  }

  protected loadData(saved: unknown): number {
    return saved as number;
  }
}
