import type { Severity } from '@logwarden/rules';

export const ALERT_STATUSES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The rule facts an alert keeps, so it reads the same after the rule is edited or removed. */
export interface AlertRuleFacts {
  ruleId: string;
  ruleName: string;
  category: string;
  severity: Severity;
  description: string;
  labels: Record<string, string>;
}

/** A detection as the alert store applies it: what the engine found, with its rule's facts. */
export interface AlertDetection extends AlertRuleFacts {
  /** Stable for the same detection, so one replayed after a restart is applied once. */
  id: string;
  tenant: string;
  groupKey: string;
  group: Record<string, unknown>;
  /** Event time, epoch ms. */
  eventTime: number;
  count: number;
  eventIds: string[];
  summary: string;
  details: Record<string, number | string>;
  /** How long without a detection before the alert resolves itself. */
  resolveAfterMs: number;
}

/** An alert: the detections of one rule for one group, from first to resolution. */
export interface Alert extends AlertRuleFacts {
  id: string;
  tenant: string;
  groupKey: string;
  group: Record<string, unknown>;
  status: AlertStatus;
  /** Detections merged into this alert. */
  count: number;
  /** Event times, epoch ms. */
  firstSeen: number;
  lastSeen: number;
  /** The latest detection's summary and numbers. */
  summary: string;
  details: Record<string, number | string>;
  /** The most recent sample event ids, oldest first. */
  eventIds: string[];
  /** Wall-clock times, epoch ms. */
  createdAt: number;
  updatedAt: number;
  resolveAfterMs: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  /** A key id, or `auto` when the alert went quiet. */
  resolvedBy?: string;
}

/** At most this many sample event ids stay on an alert. */
export const ALERT_SAMPLE_IDS = 10;

export interface AlertFilter {
  tenant: string;
  status?: AlertStatus[];
  severity?: string[];
  category?: string[];
  ruleId?: string[];
  /** On `lastSeen`, epoch ms, half-open. */
  from?: number;
  to?: number;
  limit: number;
}

/** What applying detections did to an alert. */
export interface AlertChange {
  alert: Alert;
  /** True for a new alert; false when a repeat was merged into an open one. */
  opened: boolean;
}

/** The last notice a route sent about an alert. */
export interface NotificationState {
  status: 'firing' | 'resolved';
  at: number;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** One message to one channel, kept until it is delivered or given up on. */
export interface OutboxEntry {
  id: number;
  tenant: string;
  channel: string;
  route: string;
  groupKey: string;
  /** The rendered notification, as JSON the channel sends. */
  notification: unknown;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  createdAt: number;
  sentAt?: number;
}

/** A delivery as an alert shows it. */
export type Delivery = Omit<OutboxEntry, 'notification' | 'tenant' | 'groupKey'> & {
  /** Whether the message announced the alert firing or resolved. */
  kind: 'firing' | 'resolved';
};

export interface NewOutboxEntry {
  tenant: string;
  channel: string;
  route: string;
  groupKey: string;
  notification: unknown;
  /** Alert id → what the message says of it. */
  alerts: Record<string, 'firing' | 'resolved'>;
}

/**
 * Alerts, their notification state and the delivery outbox. Every method is atomic;
 * writes resolve once durable.
 */
export interface AlertStore {
  /**
   * Merges each detection into the open alert of its rule and group, or opens one.
   * Detections already applied (same id) are skipped.
   */
  applyDetections(detections: AlertDetection[], now: number): Promise<AlertChange[]>;
  get(tenant: string, id: string): Promise<Alert | undefined>;
  /** Newest `lastSeen` first. */
  list(filter: AlertFilter): Promise<Alert[]>;
  /** Moves an alert on (`firing` → `acknowledged` → `resolved`); undefined if it does not exist. */
  transition(
    tenant: string,
    id: string,
    status: 'acknowledged' | 'resolved',
    by: string,
    now: number,
  ): Promise<Alert | undefined>;
  /** Resolves every open alert quiet for its `resolveAfterMs`, and answers them. */
  resolveQuiet(now: number): Promise<Alert[]>;
  /** Open alerts, and resolved ones some route announced as firing but not yet as resolved. */
  awaitingNotice(): Promise<Alert[]>;
  notificationStates(route: string, alertIds: string[]): Promise<Map<string, NotificationState>>;
  /** Queues messages and records what each route announced, in one transaction. */
  enqueue(entries: NewOutboxEntry[], now: number): Promise<void>;
  /** Records that a route chose not to announce these alerts (never announced, now resolved). */
  forget(route: string, alertIds: string[]): Promise<void>;
  /**
   * Claims up to `limit` pending entries due at `now`, oldest first, and answers them with
   * `nextAttemptAt` moved to `now + leaseMs`: no other claim answers an entry before its
   * lease runs out. recordAttempt settles a claimed entry; one whose claimer died is due
   * again when the lease runs out, so a message may be sent twice but is never lost.
   */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Records an attempt: sent, to retry at `retryAt`, or failed for good (`retryAt` undefined). */
  recordAttempt(
    id: number,
    outcome: { sent: true; at: number } | { sent: false; error: string; retryAt?: number },
  ): Promise<void>;
  deliveries(alertId: string): Promise<Delivery[]>;
  pendingDeliveries(): number;
  /** Deletes resolved alerts, detections and finished deliveries older than `cutoff`. */
  deleteOlderThan(cutoff: number): Promise<number>;
}

export interface Silence {
  id: string;
  tenant: string;
  /** A query over alert fields and group values, e.g. `container.name:bastion2`. */
  matchers: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
}

export interface SilenceStore {
  create(silence: Silence): Promise<void>;
  /** Every silence of the tenant that has not ended at `now`, soonest end first. */
  list(tenant: string, now: number): Promise<Silence[]>;
  /** Silences of every tenant in force at `now`. */
  active(now: number): Promise<Silence[]>;
  /** False when there was no such silence. */
  delete(tenant: string, id: string): Promise<boolean>;
}

/** Where a consumer such as the detector saves its progress and state. */
export interface Checkpoint {
  /** Position in the event store's insertion order, when the store keeps one. */
  position: number | null;
  state: unknown;
  savedAt: number;
  /** Opaque; `load` answers the version it read, for a conditional `save` to expect. Never saved. */
  version?: string;
}

/** A conditional save found the checkpoint at another version than it expected. */
export class CheckpointConflictError extends Error {
  constructor(readonly checkpoint: string) {
    super(`checkpoint "${checkpoint}" was saved by another instance`);
    this.name = 'CheckpointConflictError';
  }
}

export interface CheckpointStore {
  load(name: string): Promise<Checkpoint | undefined>;
  /**
   * Saves the checkpoint and answers its new version. With `expected`, saves only over that
   * version (`null`: only if there is no checkpoint yet), else rejects with
   * CheckpointConflictError: an instance that lost a partition without noticing cannot then
   * overwrite the new owner's progress. Without it, saves unconditionally.
   */
  save(name: string, checkpoint: Checkpoint, expected?: string | null): Promise<string>;
}

export const ALERT_STORE = Symbol('ALERT_STORE');
export const SILENCE_STORE = Symbol('SILENCE_STORE');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
