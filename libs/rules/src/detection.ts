/**
 * What the engine reports when a rule's condition holds for a group. The alert layer
 * merges detections with the same rule and group key into one alert.
 */
export interface Detection {
  ruleId: string;
  /** Tenants never share a group: the same values under two tenants are two groups. */
  tenant: string;
  /** Stable across restarts: JSON of the tenant followed by the group values. */
  groupKey: string;
  /** Group field path → value (null when the event lacked it); new_term adds its field. */
  groupValues: Record<string, unknown>;
  /** Event time (epoch ms) of the triggering event, or the time a flatline was judged at. */
  eventTime: number;
  /** Events in the window (threshold, spike, flatline), distinct values (cardinality), steps (sequence), or events since the previous detection (match). */
  count: number;
  /** A few `event.id`s of the events behind the detection, oldest first. */
  eventIds: string[];
  /** One line for people: "12 events in 5m for source.ip=10.0.0.5 (threshold 10)". */
  summary: string;
  /** The numbers behind the verdict, by type: threshold, baseline, ratio, value, mean, stddev, z... */
  details: Record<string, number | string>;
}

const MAX_VALUE_LENGTH = 80;

/** ` for source.ip=10.0.0.5, user.name=root`, or '' without group fields. */
export function describeGroup(fields: readonly string[], values: readonly unknown[]): string {
  if (fields.length === 0) return '';
  return ` for ${fields.map((field, i) => `${field}=${formatValue(values[i])}`).join(', ')}`;
}

function formatValue(value: unknown): string {
  const text =
    value === null || value === undefined
      ? '(none)'
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}...` : text;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
