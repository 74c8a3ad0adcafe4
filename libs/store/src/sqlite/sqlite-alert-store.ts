import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import {
  Alert,
  AlertChange,
  AlertDetection,
  AlertFilter,
  AlertStore,
  Delivery,
  NewOutboxEntry,
  NotificationState,
  OutboxEntry,
} from '../alert-store.port';
import { mergeDetection, openAlert } from '../alert-merge';

interface OutboxRow {
  id: number;
  tenant: string;
  channel: string;
  route: string;
  group_key: string;
  notification: string;
  status: OutboxEntry['status'];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** Alerts and their outbox in the alerting database, on the main thread: writes are few and small. */
export class SqliteAlertStore implements AlertStore {
  private readonly statements;

  constructor(private readonly db: Database) {
    this.statements = {
      detectionSeen: db.prepare('SELECT 1 FROM detections WHERE id = ?').pluck(),
      insertDetection: db.prepare(
        'INSERT INTO detections (id, alert_id, created_at) VALUES (?, ?, ?)',
      ),
      openAlert: db
        .prepare(
          `SELECT doc FROM alerts WHERE tenant = ? AND rule_id = ? AND group_key = ? AND status != 'resolved'`,
        )
        .pluck(),
      insertAlert: db.prepare(
        `INSERT INTO alerts (id, tenant, rule_id, group_key, status, severity, category, last_seen, updated_at, resolve_at, doc)
         VALUES (@id, @tenant, @ruleId, @groupKey, @status, @severity, @category, @lastSeen, @updatedAt, @resolveAt, @doc)`,
      ),
      updateAlert: db.prepare(
        `UPDATE alerts SET status = @status, severity = @severity, category = @category, last_seen = @lastSeen,
           updated_at = @updatedAt, resolve_at = @resolveAt, doc = @doc WHERE id = @id`,
      ),
      getAlert: db.prepare('SELECT doc FROM alerts WHERE tenant = ? AND id = ?').pluck(),
      quiet: db
        .prepare('SELECT doc FROM alerts WHERE resolve_at IS NOT NULL AND resolve_at <= ?')
        .pluck(),
      awaitingNotice: db
        .prepare(
          `SELECT doc FROM alerts WHERE status != 'resolved'
           UNION ALL
           SELECT a.doc FROM alerts a WHERE a.status = 'resolved' AND EXISTS
             (SELECT 1 FROM notifications n WHERE n.alert_id = a.id AND n.status = 'firing')`,
        )
        .pluck(),
      notificationState: db.prepare(
        'SELECT status, at FROM notifications WHERE route = ? AND alert_id = ?',
      ),
      setNotification: db.prepare(
        `INSERT INTO notifications (alert_id, route, status, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (alert_id, route) DO UPDATE SET status = excluded.status, at = excluded.at`,
      ),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (tenant, channel, route, group_key, notification, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      insertOutboxAlert: db.prepare(
        'INSERT INTO outbox_alerts (alert_id, outbox_id, kind) VALUES (?, ?, ?)',
      ),
      due: db.prepare(
        `SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?`,
      ),
      lease: db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = ?'),
      sent: db.prepare(
        `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`,
      ),
      retry: db.prepare(
        'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
      ),
      failed: db.prepare(
        `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`,
      ),
      deliveries: db.prepare(
        `SELECT o.*, oa.kind FROM outbox_alerts oa JOIN outbox o ON o.id = oa.outbox_id
         WHERE oa.alert_id = ? ORDER BY o.id`,
      ),
      pending: db.prepare(`SELECT count(*) FROM outbox WHERE status = 'pending'`).pluck(),
    };
  }

  async applyDetections(detections: AlertDetection[], now: number): Promise<AlertChange[]> {
    return this.db.transaction(() => {
      const changes = new Map<string, AlertChange>();
      for (const detection of detections) {
        if (this.statements.detectionSeen.get(detection.id) !== undefined) continue;
        const change = this.merge(detection, now);
        this.statements.insertDetection.run(detection.id, change.alert.id, now);
        const earlier = changes.get(change.alert.id);
        changes.set(change.alert.id, {
          alert: change.alert,
          opened: change.opened || !!earlier?.opened,
        });
      }
      return [...changes.values()];
    })();
  }

  private merge(detection: AlertDetection, now: number): AlertChange {
    const doc = this.statements.openAlert.get(
      detection.tenant,
      detection.ruleId,
      detection.groupKey,
    ) as string | undefined;
    if (doc === undefined) {
      const alert = openAlert(`al_${randomBytes(8).toString('hex')}`, detection, now);
      this.statements.insertAlert.run(this.row(alert));
      return { alert, opened: true };
    }
    const alert = mergeDetection(JSON.parse(doc) as Alert, detection, now);
    this.statements.updateAlert.run(this.row(alert));
    return { alert, opened: false };
  }

  private row(alert: Alert): Record<string, unknown> {
    return {
      id: alert.id,
      tenant: alert.tenant,
      ruleId: alert.ruleId,
      groupKey: alert.groupKey,
      status: alert.status,
      severity: alert.severity,
      category: alert.category,
      lastSeen: alert.lastSeen,
      updatedAt: alert.updatedAt,
      resolveAt: alert.status === 'resolved' ? null : alert.updatedAt + alert.resolveAfterMs,
      doc: JSON.stringify(alert),
    };
  }

  async get(tenant: string, id: string): Promise<Alert | undefined> {
    const doc = this.statements.getAlert.get(tenant, id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as Alert);
  }

  async list(filter: AlertFilter): Promise<Alert[]> {
    const where = ['tenant = ?'];
    const params: unknown[] = [filter.tenant];
    const anyOf = (column: string, values: string[] | undefined) => {
      if (!values || values.length === 0) return;
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    anyOf('status', filter.status);
    anyOf('severity', filter.severity);
    anyOf('category', filter.category);
    anyOf('rule_id', filter.ruleId);
    if (filter.from !== undefined) {
      where.push('last_seen >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('last_seen < ?');
      params.push(filter.to);
    }
    const docs = this.db
      .prepare(
        `SELECT doc FROM alerts WHERE ${where.join(' AND ')} ORDER BY last_seen DESC, id LIMIT ?`,
      )
      .pluck()
      .all(...params, filter.limit) as string[];
    return docs.map((doc) => JSON.parse(doc) as Alert);
  }

  async transition(
    tenant: string,
    id: string,
    status: 'acknowledged' | 'resolved',
    by: string,
    now: number,
  ): Promise<Alert | undefined> {
    return this.db.transaction(() => {
      const doc = this.statements.getAlert.get(tenant, id) as string | undefined;
      if (doc === undefined) return undefined;
      const alert = JSON.parse(doc) as Alert;
      if (alert.status === 'resolved' || alert.status === status) return alert;
      const next: Alert =
        status === 'acknowledged'
          ? { ...alert, status, acknowledgedAt: now, acknowledgedBy: by }
          : { ...alert, status, resolvedAt: now, resolvedBy: by };
      this.statements.updateAlert.run(this.row(next));
      return next;
    })();
  }

  async resolveQuiet(now: number): Promise<Alert[]> {
    return this.db.transaction(() => {
      const resolved: Alert[] = [];
      for (const doc of this.statements.quiet.all(now) as string[]) {
        const alert: Alert = {
          ...(JSON.parse(doc) as Alert),
          status: 'resolved',
          resolvedAt: now,
          resolvedBy: 'auto',
        };
        this.statements.updateAlert.run(this.row(alert));
        resolved.push(alert);
      }
      return resolved;
    })();
  }

  async awaitingNotice(): Promise<Alert[]> {
    return (this.statements.awaitingNotice.all() as string[]).map(
      (doc) => JSON.parse(doc) as Alert,
    );
  }

  async notificationStates(
    route: string,
    alertIds: string[],
  ): Promise<Map<string, NotificationState>> {
    const states = new Map<string, NotificationState>();
    for (const id of alertIds) {
      const row = this.statements.notificationState.get(route, id) as NotificationState | undefined;
      if (row) states.set(id, row);
    }
    return states;
  }

  async enqueue(entries: NewOutboxEntry[], now: number): Promise<void> {
    this.db.transaction(() => {
      for (const entry of entries) {
        const { lastInsertRowid } = this.statements.insertOutbox.run(
          entry.tenant,
          entry.channel,
          entry.route,
          entry.groupKey,
          JSON.stringify(entry.notification),
          now,
          now,
        );
        for (const [alertId, kind] of Object.entries(entry.alerts)) {
          this.statements.insertOutboxAlert.run(alertId, lastInsertRowid, kind);
          this.statements.setNotification.run(alertId, entry.route, kind, now);
        }
      }
    })();
  }

  async forget(route: string, alertIds: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of alertIds) this.statements.setNotification.run(id, route, 'resolved', 0);
    })();
  }

  /** better-sqlite3 runs the transaction synchronously: no other claim reads between its SELECT and UPDATEs. */
  async claimDeliveries(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const until = now + leaseMs;
    return this.db.transaction(() =>
      (this.statements.due.all(now, limit) as OutboxRow[]).map((row) => {
        this.statements.lease.run(until, row.id);
        return toEntry({ ...row, next_attempt_at: until });
      }),
    )();
  }

  async recordAttempt(
    id: number,
    outcome: { sent: true; at: number } | { sent: false; error: string; retryAt?: number },
  ): Promise<void> {
    if (outcome.sent) this.statements.sent.run(outcome.at, id);
    else if (outcome.retryAt !== undefined)
      this.statements.retry.run(outcome.retryAt, outcome.error, id);
    else this.statements.failed.run(outcome.error, id);
  }

  async deliveries(alertId: string): Promise<Delivery[]> {
    return (
      this.statements.deliveries.all(alertId) as (OutboxRow & { kind: Delivery['kind'] })[]
    ).map((row) => {
      const {
        notification: _notification,
        tenant: _tenant,
        groupKey: _groupKey,
        ...entry
      } = toEntry(row);
      return { ...entry, kind: row.kind };
    });
  }

  pendingDeliveries(): number {
    return this.statements.pending.get() as number;
  }

  async deleteOlderThan(cutoff: number): Promise<number> {
    return this.db.transaction(() => {
      let deleted = 0;
      // A resolved alert ages from its resolution, not its last detection: one last detected
      // before the cutoff but resolved after it would otherwise go, with its notification
      // state, before its resolution is announced.
      deleted += this.db
        .prepare(
          `DELETE FROM notifications WHERE alert_id IN
             (SELECT id FROM alerts WHERE status = 'resolved' AND doc ->> '$.resolvedAt' < ?)`,
        )
        .run(cutoff).changes;
      deleted += this.db
        .prepare(`DELETE FROM alerts WHERE status = 'resolved' AND doc ->> '$.resolvedAt' < ?`)
        .run(cutoff).changes;
      deleted += this.db.prepare('DELETE FROM detections WHERE created_at < ?').run(cutoff).changes;
      deleted += this.db
        .prepare(
          `DELETE FROM outbox_alerts WHERE outbox_id IN
             (SELECT id FROM outbox WHERE status != 'pending' AND created_at < ?)`,
        )
        .run(cutoff).changes;
      deleted += this.db
        .prepare(`DELETE FROM outbox WHERE status != 'pending' AND created_at < ?`)
        .run(cutoff).changes;
      return deleted;
    })();
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    tenant: row.tenant,
    channel: row.channel,
    route: row.route,
    groupKey: row.group_key,
    notification: JSON.parse(row.notification) as unknown,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error !== null && { lastError: row.last_error }),
    createdAt: row.created_at,
    ...(row.sent_at !== null && { sentAt: row.sent_at }),
  };
}
