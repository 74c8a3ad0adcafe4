import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { QueryDslQueryContainer, SearchHit } from '@elastic/elasticsearch/lib/api/types';
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
import {
  ID_CHUNK,
  Versioned,
  bulk,
  chunks,
  fromHit,
  getMany,
  getVersioned,
  ifUnchanged,
  isStatus,
  retryOnConflict,
  searchAll,
  tupleId,
} from './elasticsearch-documents';
import { ElasticsearchOutbox } from './elasticsearch-outbox';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

interface AlertDocument extends Alert {
  /** When the open alert resolves itself; absent once resolved, so resolveQuiet's range skips it. */
  resolveAt?: number;
  /** The latest detections merged into the alert, newest last: see applyDetections. */
  detectionIds: string[];
}

/** Which alert is the open one of a (tenant, rule, group): see applyDetections. */
interface OpenAlertPointer {
  alertId: string;
  tenant: string;
  ruleId: string;
  groupKey: string;
}

interface DetectionRecord {
  alertId: string;
  createdAt: number;
}

/**
 * How many detection ids an alert keeps. They only need to outlast the moment between
 * writing the alert and recording its detections, and a request the client retried.
 */
const RECENT_DETECTIONS = 100;
/** Writes in flight at once when many alerts go quiet together. */
const PARALLEL_WRITES = 50;

/**
 * Alerts in Elasticsearch. Each method is a sequence of single-document writes, each
 * atomic and durable when it resolves; the order of those writes and optimistic
 * concurrency (`if_seq_no`/`if_primary_term`) stand in for SQLite's transactions, as
 * the comments on applyDetections, transition and enqueue tell.
 */
export class ElasticsearchAlertStore implements AlertStore {
  private readonly outbox: ElasticsearchOutbox;

  constructor(
    private readonly client: Client,
    private readonly indices: ElasticsearchStateIndices,
  ) {
    this.outbox = new ElasticsearchOutbox(client, indices);
  }

  /** Counts pending deliveries, which pendingDeliveries answers from then on. */
  async init(): Promise<void> {
    await this.outbox.countPending();
  }

  /**
   * Two detector instances may apply detections of the same group, or the same detection,
   * at once; a crash may stop a call between any two writes. So:
   *
   * - The open alert of a (tenant, rule, group) is the one a pointer document names, whose
   *   id is derived from the three. Whoever creates the pointer (`create`: one instance
   *   wins, the other gets a 409 and reads it) chooses the alert id; the alert document
   *   follows, also by `create`, and a pointer whose alert is missing (its creator crashed,
   *   or is not there yet) is completed by the next detection with the id it names. A
   *   pointer naming a resolved alert is replaced conditionally on the version read.
   * - The alert document is written conditionally on the version read, and carries the ids
   *   of the detections merged into it: that write is the commit. The detection records
   *   (`create`, id = detection id) come after, and skip a detection for good. A detection
   *   is skipped when a record or an alert names it, so a crash between the alert write and
   *   the records neither loses the detection nor counts it twice, and an instance that lost
   *   a race re-reads the alert and finds its detection already there.
   *
   * Every 409 sends the group back to its reads.
   */
  async applyDetections(detections: AlertDetection[], now: number): Promise<AlertChange[]> {
    const fresh = new Map<string, AlertDetection>();
    for (const detection of detections)
      if (!fresh.has(detection.id)) fresh.set(detection.id, detection);
    if (fresh.size === 0) return [];
    const ids = [...fresh.keys()];
    for (const { id } of await getMany(this.client, this.indices.detections, ids)) fresh.delete(id);
    if (fresh.size === 0) return [];

    const applied = await this.alertsNaming([...fresh.keys()]);
    const groups = new Map<string, AlertDetection[]>();
    for (const detection of fresh.values()) {
      if (applied.has(detection.id)) continue;
      const key = tupleId(detection.tenant, detection.ruleId, detection.groupKey);
      groups.set(key, [...(groups.get(key) ?? []), detection]);
    }
    const merged = await Promise.all(
      [...groups].map(async ([pointerId, group]) => ({
        group,
        ...(await this.mergeGroup(pointerId, group, now)),
      })),
    );
    for (const { group, alertId } of merged)
      for (const detection of group) applied.set(detection.id, alertId);

    await bulk(
      this.client,
      [...applied].flatMap(([id, alertId]) => [
        { create: { _index: this.indices.detections, _id: id } },
        { alertId, createdAt: now } satisfies DetectionRecord,
      ]),
      { tolerate: [409] },
    );
    return merged.flatMap(({ change }) => (change ? [change] : []));
  }

  /** Detection id → the alert that merged it, for the ids some alert still carries. */
  private async alertsNaming(detectionIds: string[]): Promise<Map<string, string>> {
    const naming = new Map<string, string>();
    for (const ids of chunks(detectionIds, ID_CHUNK)) {
      const response = await this.client.search<Pick<AlertDocument, 'id' | 'detectionIds'>>({
        index: this.indices.alerts,
        query: { terms: { detectionIds: ids } },
        _source: ['id', 'detectionIds'],
        // No more alerts than ids can match, and at most ID_CHUNK, within the result window.
        size: ids.length,
        track_total_hits: false,
      });
      const wanted = new Set(ids);
      for (const hit of response.hits.hits)
        for (const id of hit._source!.detectionIds)
          if (wanted.has(id)) naming.set(id, hit._source!.id);
    }
    return naming;
  }

  private mergeGroup(
    pointerId: string,
    group: AlertDetection[],
    now: number,
  ): Promise<{ alertId: string; change?: AlertChange }> {
    const [first] = group;
    const pointerTo = (alertId: string): OpenAlertPointer => ({
      alertId,
      tenant: first.tenant,
      ruleId: first.ruleId,
      groupKey: first.groupKey,
    });
    return retryOnConflict(async () => {
      const pointer = await getVersioned<OpenAlertPointer>(
        this.client,
        this.indices.openAlerts,
        pointerId,
      );
      if (!pointer) {
        const alertId = newAlertId();
        await this.client.create({
          index: this.indices.openAlerts,
          id: pointerId,
          document: pointerTo(alertId),
        });
        return this.open(alertId, group, now);
      }
      const current = await this.read(pointer.doc.alertId);
      if (!current) return this.open(pointer.doc.alertId, group, now);
      if (current.doc.status !== 'resolved') return this.merge(current, group, now);
      const alertId = newAlertId();
      await this.client.index({
        index: this.indices.openAlerts,
        id: pointerId,
        document: pointerTo(alertId),
        ...ifUnchanged(pointer),
      });
      return this.open(alertId, group, now);
    });
  }

  private async open(
    alertId: string,
    [first, ...rest]: AlertDetection[],
    now: number,
  ): Promise<{ alertId: string; change: AlertChange }> {
    const opened = openAlert(alertId, first, now);
    const alert = rest.reduce(
      (merged, detection) => mergeDetection(merged, detection, now),
      opened,
    );
    await this.client.create({
      index: this.indices.alerts,
      id: alertId,
      document: toDocument(alert, recent([], [first, ...rest])),
      refresh: 'wait_for',
    });
    return { alertId, change: { alert, opened: true } };
  }

  private async merge(
    current: Versioned<AlertDocument>,
    group: AlertDetection[],
    now: number,
  ): Promise<{ alertId: string; change?: AlertChange }> {
    const { id, detectionIds } = current.doc;
    const unseen = group.filter((detection) => !detectionIds.includes(detection.id));
    if (unseen.length === 0) return { alertId: id };
    const alert = unseen.reduce<Alert>(
      (merged, detection) => mergeDetection(merged, detection, now),
      toAlert(current.doc),
    );
    await this.write(alert, recent(detectionIds, unseen), current);
    return { alertId: id, change: { alert, opened: false } };
  }

  async get(tenant: string, id: string): Promise<Alert | undefined> {
    const current = await this.read(id);
    return current?.doc.tenant === tenant ? toAlert(current.doc) : undefined;
  }

  async list(filter: AlertFilter): Promise<Alert[]> {
    const query: QueryDslQueryContainer[] = [{ term: { tenant: filter.tenant } }];
    const anyOf = (field: string, values: string[] | undefined) => {
      if (values && values.length > 0) query.push({ terms: { [field]: values } });
    };
    anyOf('status', filter.status);
    anyOf('severity', filter.severity);
    anyOf('category', filter.category);
    anyOf('ruleId', filter.ruleId);
    if (filter.from !== undefined || filter.to !== undefined)
      query.push({
        range: {
          lastSeen: {
            ...(filter.from !== undefined && { gte: filter.from }),
            ...(filter.to !== undefined && { lt: filter.to }),
          },
        },
      });
    const response = await this.client.search<AlertDocument>({
      index: this.indices.alerts,
      query: { bool: { filter: query } },
      sort: [{ lastSeen: 'desc' }, { id: 'asc' }],
      size: filter.limit,
      track_total_hits: false,
    });
    return response.hits.hits.map((hit) => toAlert(hit._source!));
  }

  /**
   * Conditional on the version read, so a detection merged or a resolution made meanwhile
   * sends it back to read the alert again rather than being overwritten.
   */
  async transition(
    tenant: string,
    id: string,
    status: 'acknowledged' | 'resolved',
    by: string,
    now: number,
  ): Promise<Alert | undefined> {
    return retryOnConflict(async () => {
      const current = await this.read(id);
      if (!current || current.doc.tenant !== tenant) return undefined;
      const alert = toAlert(current.doc);
      if (alert.status === 'resolved' || alert.status === status) return alert;
      const next: Alert =
        status === 'acknowledged'
          ? { ...alert, status, acknowledgedAt: now, acknowledgedBy: by }
          : { ...alert, status, resolvedAt: now, resolvedBy: by };
      await this.write(next, current.doc.detectionIds, current);
      if (next.status === 'resolved') await this.releasePointer(next);
      return next;
    });
  }

  async resolveQuiet(now: number): Promise<Alert[]> {
    const quiet = await searchAll<AlertDocument>(this.client, {
      index: this.indices.alerts,
      query: { range: { resolveAt: { lte: now } } },
      sort: [{ resolveAt: 'asc' }, { id: 'asc' }],
      seq_no_primary_term: true,
    });
    const resolved: Alert[] = [];
    for (const hits of chunks(quiet, PARALLEL_WRITES))
      for (const alert of await Promise.all(hits.map((hit) => this.resolveIfQuiet(hit, now))))
        if (alert) resolved.push(alert);
    return resolved;
  }

  /** The hit is the first read; after a conflict the alert is read again and may no longer be quiet. */
  private resolveIfQuiet(hit: SearchHit<AlertDocument>, now: number): Promise<Alert | undefined> {
    let seen: Versioned<AlertDocument> | undefined = fromHit(hit);
    return retryOnConflict(async () => {
      const current = seen ?? (await this.read(hit._source!.id));
      seen = undefined;
      if (current?.doc.resolveAt === undefined || current.doc.resolveAt > now) return undefined;
      const next: Alert = {
        ...toAlert(current.doc),
        status: 'resolved',
        resolvedAt: now,
        resolvedBy: 'auto',
      };
      await this.write(next, current.doc.detectionIds, current);
      await this.releasePointer(next);
      return next;
    });
  }

  /**
   * Clears the pointer to a resolved alert, so the next detection opens a new one. Only
   * the version read is deleted: a 409 or 404 means a detection already replaced it. A
   * crash before this leaves a pointer to a resolved alert, which applyDetections replaces.
   */
  private async releasePointer(alert: Alert): Promise<void> {
    const id = tupleId(alert.tenant, alert.ruleId, alert.groupKey);
    const pointer = await getVersioned<OpenAlertPointer>(this.client, this.indices.openAlerts, id);
    if (pointer?.doc.alertId !== alert.id) return;
    try {
      await this.client.delete({ index: this.indices.openAlerts, id, ...ifUnchanged(pointer) });
    } catch (error) {
      if (!isStatus(error, 409) && !isStatus(error, 404)) throw error;
    }
  }

  /**
   * Two queries rather than a join: open alerts, then the alerts of firing announcements.
   * An alert that changes between them is in one or the other, and every alert with a
   * firing announcement awaits notice, resolved or not.
   */
  async awaitingNotice(): Promise<Alert[]> {
    const open = (
      await searchAll<AlertDocument>(this.client, {
        index: this.indices.alerts,
        query: { bool: { must_not: [{ term: { status: 'resolved' } }] } },
        sort: [{ id: 'asc' }],
      })
    ).map((hit) => toAlert(hit._source!));
    const listed = new Set(open.map((alert) => alert.id));
    const announced = [...(await this.outbox.announcedFiring())].filter((id) => !listed.has(id));
    const others: Alert[] = [];
    for (const ids of chunks(announced, ID_CHUNK))
      for (const { doc } of await getMany<AlertDocument>(this.client, this.indices.alerts, ids))
        others.push(toAlert(doc));
    return [...open, ...others];
  }

  notificationStates(route: string, alertIds: string[]): Promise<Map<string, NotificationState>> {
    return this.outbox.states(route, alertIds);
  }

  enqueue(entries: NewOutboxEntry[], now: number): Promise<void> {
    return this.outbox.enqueue(entries, now);
  }

  forget(route: string, alertIds: string[]): Promise<void> {
    return this.outbox.forget(route, alertIds);
  }

  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    return this.outbox.claim(now, limit, leaseMs);
  }

  recordAttempt(
    id: number,
    outcome: { sent: true; at: number } | { sent: false; error: string; retryAt?: number },
  ): Promise<void> {
    return this.outbox.recordAttempt(id, outcome);
  }

  deliveries(alertId: string): Promise<Delivery[]> {
    return this.outbox.deliveries(alertId);
  }

  pendingDeliveries(): number {
    return this.outbox.pendingCount();
  }

  /**
   * As the SQLite store: resolved alerts age from their resolution. Their notification
   * states go first, so a failure midway leaves alerts for the next sweep rather than
   * states no alert leads to.
   */
  async deleteOlderThan(cutoff: number): Promise<number> {
    const expired: QueryDslQueryContainer = {
      bool: {
        filter: [{ term: { status: 'resolved' } }, { range: { resolvedAt: { lt: cutoff } } }],
      },
    };
    const ids = await searchAll<Pick<Alert, 'id'>>(this.client, {
      index: this.indices.alerts,
      query: expired,
      sort: [{ id: 'asc' }],
      _source: ['id'],
    });
    let deleted = await this.outbox.deleteStates(ids.map((hit) => hit._source!.id));
    for (const [index, query] of [
      [this.indices.alerts, expired],
      [this.indices.detections, { range: { createdAt: { lt: cutoff } } }],
    ] as const) {
      const response = await this.client.deleteByQuery({
        index,
        query,
        refresh: true,
        conflicts: 'proceed',
      });
      deleted += response.deleted ?? 0;
    }
    return deleted + (await this.outbox.deleteFinishedBefore(cutoff));
  }

  private read(id: string): Promise<Versioned<AlertDocument> | undefined> {
    return getVersioned<AlertDocument>(this.client, this.indices.alerts, id);
  }

  private async write(
    alert: Alert,
    detectionIds: string[],
    read: Versioned<AlertDocument>,
  ): Promise<void> {
    await this.client.index({
      index: this.indices.alerts,
      id: alert.id,
      document: toDocument(alert, detectionIds),
      ...ifUnchanged(read),
      refresh: 'wait_for',
    });
  }
}

function newAlertId(): string {
  return `al_${randomBytes(8).toString('hex')}`;
}

/** Keeps every id of this write, however many, so all of them are committed with it. */
function recent(previous: string[], merged: AlertDetection[]): string[] {
  return [...previous, ...merged.map((detection) => detection.id)].slice(
    -Math.max(RECENT_DETECTIONS, merged.length),
  );
}

function toDocument(alert: Alert, detectionIds: string[]): AlertDocument {
  return {
    ...alert,
    ...(alert.status !== 'resolved' && { resolveAt: alert.updatedAt + alert.resolveAfterMs }),
    detectionIds,
  };
}

function toAlert({ resolveAt: _resolveAt, detectionIds: _ids, ...alert }: AlertDocument): Alert {
  return alert;
}
