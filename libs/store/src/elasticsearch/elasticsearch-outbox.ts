import type { Client } from '@elastic/elasticsearch';
import { Logger } from '@nestjs/common';
import type { Delivery, NewOutboxEntry, NotificationState, OutboxEntry } from '../alert-store.port';
import {
  ID_CHUNK,
  bulk,
  chunks,
  fromHit,
  getMany,
  getVersioned,
  ifUnchanged,
  retryOnConflict,
  searchAll,
  tupleId,
} from './elasticsearch-documents';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

interface OutboxDocument extends OutboxEntry {
  /** What the message says of each alert it is about. */
  alerts: NewOutboxEntry['alerts'];
  /** The keys of `alerts`, indexed so an alert finds its deliveries. */
  alertIds: string[];
}

interface NotificationDocument extends NotificationState {
  alertId: string;
  route: string;
}

const OUTBOX_SEQUENCE = 'outbox';
/** Other instances change the outbox too; a count older than this is refreshed when read. */
const PENDING_COUNT_TTL_MS = 15_000;

/** The notification outbox and what each route announced, for the Elasticsearch alert store. */
export class ElasticsearchOutbox {
  private readonly logger = new Logger(ElasticsearchOutbox.name);
  private pending = 0;
  private countedAt = 0;
  private counting?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly indices: ElasticsearchStateIndices,
  ) {}

  /**
   * Elasticsearch has no transaction over several documents: the messages are written
   * before the states that say they were queued, so a failure between the two can queue a
   * message again (the dispatcher still sees the alert unannounced), never lose one.
   */
  async enqueue(entries: NewOutboxEntry[], now: number): Promise<void> {
    if (entries.length === 0) return;
    const first = await this.allocateIds(entries.length);
    await bulk(
      this.client,
      entries.flatMap((entry, index) => {
        const document: OutboxDocument = {
          id: first + index,
          tenant: entry.tenant,
          channel: entry.channel,
          route: entry.route,
          groupKey: entry.groupKey,
          notification: entry.notification,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          alerts: entry.alerts,
          alertIds: Object.keys(entry.alerts),
        };
        return [{ create: { _index: this.indices.outbox, _id: String(document.id) } }, document];
      }),
      { refresh: 'wait_for' },
    );
    // Several entries of a call may announce the same alert on the same route: the last says what it was.
    const states = new Map<string, NotificationDocument>();
    for (const entry of entries)
      for (const [alertId, status] of Object.entries(entry.alerts))
        states.set(tupleId(alertId, entry.route), { alertId, route: entry.route, status, at: now });
    await this.writeStates(states);
    await this.countPending();
  }

  async forget(route: string, alertIds: string[]): Promise<void> {
    await this.writeStates(
      new Map(
        alertIds.map((alertId) => [
          tupleId(alertId, route),
          { alertId, route, status: 'resolved', at: 0 },
        ]),
      ),
    );
  }

  async states(route: string, alertIds: string[]): Promise<Map<string, NotificationState>> {
    const found = await getMany<NotificationDocument>(
      this.client,
      this.indices.notifications,
      alertIds.map((alertId) => tupleId(alertId, route)),
    );
    return new Map(found.map(({ doc }) => [doc.alertId, { status: doc.status, at: doc.at }]));
  }

  /** Alerts some route announced as firing and not since as resolved. */
  async announcedFiring(): Promise<Set<string>> {
    const hits = await searchAll<Pick<NotificationDocument, 'alertId'>>(this.client, {
      index: this.indices.notifications,
      query: { term: { status: 'firing' } },
      sort: [{ alertId: 'asc' }, { route: 'asc' }],
      _source: ['alertId'],
    });
    return new Set(hits.map((hit) => hit._source!.alertId));
  }

  /**
   * Each entry found due is rewritten with its lease conditionally on the version the
   * search read: when two instances race for one, exactly one write succeeds, and the other
   * meets a 409 and leaves the entry to it. Refreshed before answering, so other instances'
   * next searches no longer find what was claimed.
   */
  async claim(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const response = await this.client.search<OutboxDocument>({
      index: this.indices.outbox,
      query: {
        bool: {
          filter: [{ term: { status: 'pending' } }, { range: { nextAttemptAt: { lte: now } } }],
        },
      },
      sort: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      size: limit,
      track_total_hits: false,
      seq_no_primary_term: true,
    });
    const claims = response.hits.hits.map((hit) => {
      const read = fromHit(hit);
      return { read, leased: { ...read.doc, nextAttemptAt: now + leaseMs } };
    });
    const results = await bulk(
      this.client,
      claims.flatMap(({ read, leased }) => [
        { index: { _index: this.indices.outbox, _id: String(leased.id), ...ifUnchanged(read) } },
        leased,
      ]),
      // Another instance won it (409), or the cluster is busy (429, 5xx): due again next poll,
      // while the leases that were taken stand.
      { refresh: 'wait_for', tolerate: [409, 429, 500, 502, 503, 504] },
    );
    return claims
      .filter((_, index) => results[index].error === undefined)
      .map(({ leased }) => toEntry(leased));
  }

  /** Conditional on the entry read, so two instances recording attempts never lose one. */
  async recordAttempt(
    id: number,
    outcome: { sent: true; at: number } | { sent: false; error: string; retryAt?: number },
  ): Promise<void> {
    await retryOnConflict(async () => {
      const current = await getVersioned<OutboxDocument>(
        this.client,
        this.indices.outbox,
        String(id),
      );
      if (!current) return;
      const { lastError: _lastError, ...entry } = current.doc;
      const attempts = entry.attempts + 1;
      const next: OutboxDocument = outcome.sent
        ? { ...entry, status: 'sent', attempts, sentAt: outcome.at }
        : outcome.retryAt !== undefined
          ? { ...entry, attempts, nextAttemptAt: outcome.retryAt, lastError: outcome.error }
          : { ...entry, status: 'failed', attempts, lastError: outcome.error };
      await this.client.index({
        index: this.indices.outbox,
        id: String(id),
        document: next,
        ...ifUnchanged(current),
        refresh: 'wait_for',
      });
    });
    await this.countPending();
  }

  async deliveries(alertId: string): Promise<Delivery[]> {
    const hits = await searchAll<OutboxDocument>(this.client, {
      index: this.indices.outbox,
      query: { term: { alertIds: alertId } },
      sort: [{ id: 'asc' }],
    });
    return hits.map((hit) => {
      const document = hit._source!;
      const {
        notification: _notification,
        tenant: _tenant,
        groupKey: _groupKey,
        ...entry
      } = toEntry(document);
      return { ...entry, kind: document.alerts[alertId] };
    });
  }

  /**
   * The port answers synchronously, so this is the count taken after this instance's last
   * outbox write. Other instances write too: a read that finds the count older than the
   * TTL starts a recount in the background, which the reads after it answer.
   */
  pendingCount(): number {
    if (!this.counting && Date.now() - this.countedAt > PENDING_COUNT_TTL_MS) {
      this.counting = this.countPending()
        .catch((error: Error) =>
          this.logger.warn(`counting pending deliveries failed: ${error.message}`),
        )
        .finally(() => (this.counting = undefined));
    }
    return this.pending;
  }

  async countPending(): Promise<void> {
    const { count } = await this.client.count({
      index: this.indices.outbox,
      query: { term: { status: 'pending' } },
    });
    this.pending = count;
    this.countedAt = Date.now();
  }

  /** Sent and failed entries created before `cutoff`; pending ones stay however old. */
  async deleteFinishedBefore(cutoff: number): Promise<number> {
    const { deleted } = await this.client.deleteByQuery({
      index: this.indices.outbox,
      query: {
        bool: {
          filter: [{ range: { createdAt: { lt: cutoff } } }],
          must_not: [{ term: { status: 'pending' } }],
        },
      },
      refresh: true,
      conflicts: 'proceed',
    });
    return deleted ?? 0;
  }

  async deleteStates(alertIds: string[]): Promise<number> {
    let deleted = 0;
    for (const ids of chunks(alertIds, ID_CHUNK)) {
      const response = await this.client.deleteByQuery({
        index: this.indices.notifications,
        query: { terms: { alertId: ids } },
        refresh: true,
        conflicts: 'proceed',
      });
      deleted += response.deleted ?? 0;
    }
    return deleted;
  }

  private async writeStates(states: Map<string, NotificationDocument>): Promise<void> {
    await bulk(
      this.client,
      [...states].flatMap(([id, state]) => [
        { index: { _index: this.indices.notifications, _id: id } },
        state,
      ]),
      { refresh: 'wait_for' },
    );
  }

  /**
   * Reserves `count` consecutive ids and answers the first. The counter document is
   * rewritten conditionally on the version read, so two instances never get the same
   * ids, and ids grow in the order they were reserved, whatever the clocks say.
   */
  private async allocateIds(count: number): Promise<number> {
    return retryOnConflict(async () => {
      const sequence = await getVersioned<{ next: number }>(
        this.client,
        this.indices.sequences,
        OUTBOX_SEQUENCE,
      );
      const first = sequence?.doc.next ?? 1;
      const request = {
        index: this.indices.sequences,
        id: OUTBOX_SEQUENCE,
        document: { next: first + count },
      };
      if (sequence) await this.client.index({ ...request, ...ifUnchanged(sequence) });
      else await this.client.create(request);
      return first;
    });
  }
}

function toEntry({ alerts: _alerts, alertIds: _alertIds, ...entry }: OutboxDocument): OutboxEntry {
  return entry;
}
