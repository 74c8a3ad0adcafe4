import { hash } from 'node:crypto';
import {
  MESSAGE_FIELD,
  TIMESTAMP_FIELD,
  eventTimeMillis,
  parseNumericString,
} from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { EventIndexNames, QUERY_FIELDS, type ValueChannel } from './elasticsearch-event-mapping';

type Channel = Record<string, unknown>;

/** What a stored document carries under `QUERY_FIELDS`; empty channels are left out. */
export type QueryFieldValues = Partial<Record<ValueChannel, Channel>> & {
  present: string[];
  text?: string;
};

/**
 * The query fields of an event (see `QUERY_FIELDS`): its values by JSON type at every
 * path the query language reads, and the paths present. Keys holding a dot cannot be
 * queried (a dot always means nesting) and blank keys would be invalid field names, so
 * neither is indexed. `@timestamp` is queried on its own date field, and `message` only
 * as text.
 */
export function queryFieldValues(event: Record<string, unknown>): QueryFieldValues {
  const collector = new ValueCollector();
  collector.visit(event, '');
  const values: QueryFieldValues = { present: collector.present };
  for (const channel of ['string', 'number', 'numeric_string', 'boolean'] as const) {
    if (collector[channel]) values[channel] = collector[channel];
  }
  if (typeof event[MESSAGE_FIELD] === 'string') values.text = event[MESSAGE_FIELD];
  return values;
}

const BLANK = /^\s*$/;

class ValueCollector {
  string?: Channel;
  number?: Channel;
  numeric_string?: Channel;
  boolean?: Channel;
  readonly present: string[] = [];

  visit(object: Record<string, unknown>, prefix: string): void {
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (value === null || value === undefined || key.includes('.') || BLANK.test(key)) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (Array.isArray(value)) {
        let present = false;
        for (const element of value) {
          if (element === null || element === undefined) continue;
          present = true;
          this.scalar(path, element);
        }
        if (present) this.present.push(path);
      } else {
        this.present.push(path);
        if (typeof value === 'object') this.visit(value as Record<string, unknown>, path);
        else this.scalar(path, value);
      }
    }
  }

  private scalar(path: string, value: unknown): void {
    if (path === TIMESTAMP_FIELD || path === MESSAGE_FIELD) return;
    switch (typeof value) {
      case 'string': {
        this.string = add(this.string, path, value);
        const number = parseNumericString(value);
        if (number !== undefined) this.numeric_string = add(this.numeric_string, path, number);
        return;
      }
      case 'number':
        if (Number.isFinite(value)) this.number = add(this.number, path, value);
        return;
      case 'boolean':
        this.boolean = add(this.boolean, path, value);
    }
  }
}

/** Adds a value at `path`: a single value stays a scalar, a second makes an array. */
function add(channel: Channel | undefined, path: string, value: unknown): Channel {
  // No prototype: a path named `__proto__` must stay an ordinary key.
  const target = channel ?? (Object.create(null) as Channel);
  const existing = target[path];
  if (existing === undefined) target[path] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else target[path] = [existing, value];
  return target;
}

/**
 * The document id of an event: events are the same when their tenant, event time and
 * `event.id` are (the SQLite store's unique key), so a replay meets its first copy and
 * one tenant's ids can never collide with another's. 132 bits of SHA-256 keep ids short.
 */
export function eventDocumentId(tenant: string, ms: number, id: string): string {
  // The tenant's length keeps (`a`, `1:b`) and (`a1`, `b`) apart; the time is all digits.
  return hash('sha256', `${tenant.length}:${tenant}${ms}:${id}`, 'base64url').slice(0, 22);
}

/** An event as the two lines of a bulk `create`, or why it cannot be stored. */
export type BulkEntry = { lines: string } | { error: string };

/**
 * Writes the `_source` as the event serializes and appends the query fields to it, so
 * the event is not copied. A key of the event named like the query fields is dropped:
 * the mapping excludes that name from `_source` anyway.
 */
export function bulkEntry(event: EcsEvent, names: EventIndexNames): BulkEntry {
  const ms = eventTimeMillis(event['@timestamp']);
  if (ms === undefined) {
    return { error: `@timestamp ${JSON.stringify(event['@timestamp'])} is not a date` };
  }
  let source: Record<string, unknown> = event;
  if (Object.hasOwn(event, QUERY_FIELDS)) {
    const { [QUERY_FIELDS]: _reserved, ...rest } = event;
    source = rest;
  }
  const action = JSON.stringify({
    create: { _index: names.index(ms), _id: eventDocumentId(event.tenant, ms, event.event.id) },
  });
  const json = JSON.stringify(source);
  const fields = JSON.stringify(queryFieldValues(source));
  return { lines: `${action}\n${json.slice(0, -1)},"${QUERY_FIELDS}":${fields}}\n` };
}
