import type { Severity } from '@logwarden/rules';

/** What a message says about one alert: everything a channel renders, already resolved to text. */
export interface NotifiedAlert {
  id: string;
  ruleId: string;
  ruleName: string;
  category: string;
  severity: Severity;
  /** The rule's description: what happened and what to check. */
  description: string;
  labels: Record<string, string>;
  /** Group field path → value, e.g. `{ "source.ip": "10.0.0.5" }`. */
  group: Record<string, unknown>;
  status: 'firing' | 'acknowledged' | 'resolved';
  /** Detections merged into the alert. */
  count: number;
  /** Event times, ISO-8601. */
  firstSeen: string;
  lastSeen: string;
  /** The latest detection's one-line summary, e.g. "12 events in 5m for source.ip=10.0.0.5 (threshold 10)". */
  summary: string;
  /** A few of the log lines behind the alert (`message`, or the event as JSON), oldest first. */
  samples: string[];
  /** The alert in Logwarden's API. */
  url: string;
}

/**
 * One message to one channel: the alerts of a notification group that changed since
 * the group was last notified. Resolved alerts are sent with status `resolved`.
 */
export interface Notification {
  /** Stable across retries of the same delivery, for receivers that deduplicate. */
  id: string;
  tenant: string;
  /** The route that matched, and the values it grouped by: "default/rule=ssh-brute-force". */
  groupKey: string;
  /** `firing` while any alert of the message fires; `resolved` when all are resolved. */
  status: 'firing' | 'resolved';
  alerts: NotifiedAlert[];
}

/**
 * Raised by a channel: `retryable` failures (connection refused, timeouts, 5xx, 429, SMTP 4xx)
 * are retried with backoff. The message names the channel and never holds a secret, so it can
 * be logged and shown as the delivery status.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The receiver's `Retry-After`, when it sent one: wait at least this long before the next attempt. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The notifier port: one configured destination (an SMTP recipient list, a webhook URL). */
export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  /** Resolves once the receiver accepted the message; throws `DeliveryError` otherwise. */
  send(notification: Notification): Promise<void>;
  close?(): void;
}

export type ChannelType = 'email' | 'webhook' | 'slack' | 'pagerduty';
