import { compileMatcher, parseQuery, type EventMatcher } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { describeGroup, type Detection } from './detection';
import { GroupFields, groupKey } from './group-fields';
import { GroupTable } from './group-table';
import type { Rule } from './rule';

export interface EvaluatorOptions {
  maxGroups: number;
  latenessMs: number;
}

/**
 * What every group keeps; `data` holds what its rule type keeps. Type data sits in
 * its own object because spreading base fields into a per-type literal gives, in
 * V8, every group its own hidden class: about 600 bytes more per group.
 */
export interface Group<D> {
  key: string;
  tenant: string;
  values: unknown[];
  /** Newest event time seen for the group. */
  lastSeen: number;
  /** Event time of the group's last detection, -Infinity before the first. */
  lastFired: number;
  data: D;
}

/** A group as `snapshot()` stores it. */
export interface SavedGroup {
  key: string;
  tenant: string;
  values: unknown[];
  lastSeen: number;
  lastFired: number | null;
  data: unknown;
}

export interface SavedRule {
  evicted: number;
  groups: SavedGroup[];
  /** Rule-wide state beside the groups (flatline's last judged bucket). */
  cursor?: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export function compileFilter(filter: string): EventMatcher {
  return compileMatcher(parseQuery(filter));
}

/**
 * Runs one rule. The engine calls `evaluate` only for events the rule's `matches`
 * accepted, with the event time already read, so work here is paid by matching
 * events only.
 */
export abstract class RuleEvaluator<R extends Rule = Rule, D = unknown> {
  readonly matches: EventMatcher;
  /** Whether events later than the allowed lateness are ignored (true for every stateful rule). */
  readonly windowed: boolean = true;
  protected readonly groups: GroupTable<Group<D>>;
  protected readonly fields: GroupFields;
  /** Event time at which idle groups are next looked for. */
  private nextSweep = -Infinity;

  constructor(
    readonly rule: R,
    protected readonly options: EvaluatorOptions,
    matches?: EventMatcher,
  ) {
    this.matches = matches ?? compileFilter(rule.filter);
    this.groups = new GroupTable<Group<D>>(options.maxGroups);
    this.fields = new GroupFields(rule.groupBy);
  }

  /** Applies a matching event; false when it was too old for the rule's state. */
  abstract evaluate(event: EcsEvent, time: number, out: Detection[]): boolean;

  /** Event time has reached `watermark`: judge what has no event to trigger it, and forget idle groups. */
  advance(watermark: number, _out: Detection[]): void {
    if (watermark < this.nextSweep) return;
    // Looking at every group costs; once per minute of event time bounds idle memory well enough.
    this.nextSweep = watermark + SWEEP_INTERVAL_MS;
    const idleBefore = watermark - this.idleAfterMs();
    this.groups.dropIf((state) => state.lastSeen < idleBefore);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  get evicted(): number {
    return this.groups.evicted;
  }

  snapshot(): SavedRule {
    const groups: SavedGroup[] = [];
    for (const [, state] of this.groups.entries()) {
      groups.push({
        key: state.key,
        tenant: state.tenant,
        values: state.values,
        lastSeen: state.lastSeen,
        lastFired: Number.isFinite(state.lastFired) ? state.lastFired : null,
        data: this.saveData(state.data),
      });
    }
    return { evicted: this.groups.evicted, groups };
  }

  restore(saved: SavedRule): void {
    this.groups.evicted = saved.evicted;
    for (const group of saved.groups) {
      this.groups.add(group.key, {
        key: group.key,
        tenant: group.tenant,
        values: group.values,
        lastSeen: group.lastSeen,
        lastFired: group.lastFired ?? -Infinity,
        data: this.loadData(group.data),
      });
    }
  }

  /** How long after its last event a group's state stops mattering. */
  protected abstract idleAfterMs(): number;

  /** A new group's type data, the group being first seen at `time`. */
  protected abstract newData(time: number): D;

  /** Type data as plain JSON. */
  protected abstract saveData(data: D): unknown;

  /** Type data back from what `saveData` wrote. */
  protected abstract loadData(saved: unknown): D;

  /** The event's group, created when new. A missing `group_by` field reads as null. */
  protected group(event: EcsEvent, time: number): Group<D> {
    const tenant = tenantOf(event);
    const key = this.fields.key(event, tenant);
    const state = this.groups.get(key);
    if (state === undefined) {
      // The key just built is a rope of many small strings; keep a flat copy instead.
      const values = this.fields.values(event);
      return this.addGroup(groupKey(tenant, values), tenant, values, time);
    }
    if (time > state.lastSeen) state.lastSeen = time;
    return state;
  }

  /** The group with these values, created when new. */
  protected groupWith(tenant: string, values: unknown[], time: number): Group<D> {
    const key = groupKey(tenant, values);
    const state = this.groups.get(key);
    if (state === undefined) return this.addGroup(key, tenant, values, time);
    if (time > state.lastSeen) state.lastSeen = time;
    return state;
  }

  protected addGroup(key: string, tenant: string, values: unknown[], time: number): Group<D> {
    const state = {
      key,
      tenant,
      values,
      lastSeen: time,
      lastFired: -Infinity,
      data: this.newData(time),
    };
    this.groups.add(key, state);
    return state;
  }

  /** The event's group, for rules that keep no state about it. */
  protected identify(event: EcsEvent, time: number): Group<undefined> {
    const tenant = tenantOf(event);
    const values = this.fields.values(event);
    const key = groupKey(tenant, values);
    return { key, tenant, values, lastSeen: time, lastFired: -Infinity, data: undefined };
  }

  /** Whether a detection at `time` would come within `throttle` of the group's previous one. */
  protected throttled(state: Group<unknown>, time: number): boolean {
    return Math.abs(time - state.lastFired) < this.rule.throttleMs;
  }

  /** Records a detection; the summary is `lead`, then the group ("for source.ip=…"), then `tail`. */
  protected emit(
    out: Detection[],
    state: Group<unknown>,
    detection: Pick<Detection, 'eventTime' | 'count' | 'eventIds' | 'details'>,
    lead: string,
    tail = '',
    fields: readonly string[] = this.rule.groupBy,
  ): void {
    state.lastFired = Math.max(state.lastFired, detection.eventTime);
    const groupValues: Record<string, unknown> = {};
    fields.forEach((field, i) => (groupValues[field] = state.values[i]));
    out.push({
      ruleId: this.rule.id,
      tenant: state.tenant,
      groupKey: state.key,
      groupValues,
      ...detection,
      summary: `${lead}${describeGroup(fields, state.values)}${tail}`,
    });
  }
}

export function tenantOf(event: EcsEvent): string {
  return typeof event.tenant === 'string' ? event.tenant : '';
}

export function eventId(event: EcsEvent): string {
  const id = (event.event as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '';
}
