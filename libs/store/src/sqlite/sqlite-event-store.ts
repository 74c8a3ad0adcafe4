import { Inject, Injectable } from '@nestjs/common';
import type { Statement } from 'better-sqlite3';
import { EcsEvent, getField } from '@logwarden/schema';
import { eventTimeMillis } from '@logwarden/query';
import { Metrics } from '@logwarden/ops';
import {
  AggregationRequest,
  AppendResult,
  EventStore,
  HistogramBucket,
  SearchRequest,
  SearchResult,
  TermsBucket,
  TOTAL_HITS_LIMIT,
} from '../event-store.port';
import { SqliteDatabase } from './sqlite-database';
import { SQLITE_FIELD_COLUMNS, compileSqliteWhere, jsonPath } from './sqlite-query-compiler';

type Row = [
  id: string,
  tenant: string,
  ts: number,
  container: string | null,
  host: string | null,
  service: string | null,
  level: string | null,
  dataset: string | null,
  doc: string,
  message: string | null,
];

interface PendingAppend {
  rows: Row[];
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Large transactions are what make SQLite fast; this many rows is about 20 ms of work. */
const MAX_ROWS_PER_TRANSACTION = 20_000;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Events in SQLite. Appends from concurrent requests are group-committed: each
 * caller queues its rows and every queued row goes in one transaction on the
 * next turn of the event loop, so many small shipper batches cost one commit.
 */
@Injectable()
export class SqliteEventStore implements EventStore {
  private readonly insertEvent: Statement;
  private readonly insertText: Statement;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;

  constructor(
    private readonly database: SqliteDatabase,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    const db = database.db;
    this.insertEvent = db.prepare(
      `INSERT INTO events (id, tenant, ts, container_name, host_name, service_name, log_level, dataset, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO NOTHING`,
    );
    this.insertText = db.prepare('INSERT INTO events_fts (rowid, message) VALUES (?, ?)');
  }

  append(events: EcsEvent[]): Promise<AppendResult> {
    if (events.length === 0) return Promise.resolve({ stored: 0, duplicates: 0, fresh: [] });
    const rows = events.map(toRow);
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued, in transactions of bounded size. */
  flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const batch: PendingAppend[] = [];
      let rows = 0;
      while (
        this.queue.length > 0 &&
        (rows === 0 || rows + this.queue[0].rows.length <= MAX_ROWS_PER_TRANSACTION)
      ) {
        const next = this.queue.shift()!;
        rows += next.rows.length;
        batch.push(next);
      }
      this.commit(batch, rows);
    }
  }

  private commit(batch: PendingAppend[], rowCount: number): void {
    const started = process.hrtime.bigint();
    const results: AppendResult[] = [];
    try {
      this.database.db.transaction(() => {
        for (const pending of batch) {
          let stored = 0;
          const fresh = new Array<boolean>(pending.rows.length);
          pending.rows.forEach((row, i) => {
            const info = this.insertEvent.run(
              row[0],
              row[1],
              row[2],
              row[3],
              row[4],
              row[5],
              row[6],
              row[7],
              row[8],
            );
            fresh[i] = info.changes > 0;
            if (!fresh[i]) return;
            stored++;
            if (row[9] !== null) this.insertText.run(info.lastInsertRowid, row[9]);
          });
          results.push({ stored, duplicates: pending.rows.length - stored, fresh });
        }
      })();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.metrics.storeCommitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.storeCommitRows.observe(rowCount);
    batch.forEach((pending, i) => pending.resolve(results[i]));
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const { where, params } = this.filter(request);
    const total = this.database.db
      .prepare(
        `SELECT count(*) AS n FROM (SELECT 1 FROM events e WHERE ${where} LIMIT ${TOTAL_HITS_LIMIT + 1})`,
      )
      .get(...params) as { n: number };

    const direction = request.order === 'asc' ? 'ASC' : 'DESC';
    let pageWhere = where;
    const pageParams = [...params];
    if (request.searchAfter) {
      const [ts, seq] = request.searchAfter;
      const cmp = request.order === 'asc' ? '>' : '<';
      pageWhere += ` AND (e.ts ${cmp} ? OR (e.ts = ? AND e.seq ${cmp} ?))`;
      pageParams.push(ts, ts, seq);
    }
    const rows = this.database.db
      .prepare(
        `SELECT e.seq, e.ts, e.doc FROM events e WHERE ${pageWhere}
         ORDER BY e.ts ${direction}, e.seq ${direction} LIMIT ?`,
      )
      .all(...pageParams, request.size + 1) as { seq: number; ts: number; doc: string }[];

    const more = rows.length > request.size;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return {
      total: Math.min(total.n, TOTAL_HITS_LIMIT),
      totalRelation: total.n > TOTAL_HITS_LIMIT ? 'gte' : 'eq',
      hits: rows.map((row) => JSON.parse(row.doc) as EcsEvent),
      next: more && last ? [last.ts, last.seq] : undefined,
    };
  }

  async histogram(
    request: AggregationRequest & { intervalMs: number },
  ): Promise<HistogramBucket[]> {
    const { where, params } = this.filter(request);
    const interval = request.intervalMs;
    return this.database.db
      .prepare(
        `SELECT (e.ts - (e.ts % ?)) AS key, count(*) AS count FROM events e
         WHERE ${where} GROUP BY key ORDER BY key`,
      )
      .all(interval, ...params) as HistogramBucket[];
  }

  async terms(
    request: AggregationRequest & { field: string; size: number },
  ): Promise<TermsBucket[]> {
    const { where, params } = this.filter(request);
    const column = SQLITE_FIELD_COLUMNS[request.field];
    const sql = column
      ? `SELECT e.${column} AS value, count(*) AS count FROM events e
         WHERE ${where} AND e.${column} IS NOT NULL GROUP BY value ORDER BY count DESC, value LIMIT ?`
      : `SELECT j.value AS value, count(*) AS count FROM events e, json_each(e.doc, ?) j
         WHERE ${where} AND j.type NOT IN ('object', 'array', 'null')
         GROUP BY value ORDER BY count DESC, value LIMIT ?`;
    const args = column
      ? [...params, request.size]
      : [jsonPath(request.field), ...params, request.size];
    const rows = this.database.db.prepare(sql).all(...args) as {
      value: string | number;
      count: number;
    }[];
    return rows.map((row) => ({ value: row.value, count: row.count }));
  }

  async deleteOlderThan(cutoff: number, limit: number): Promise<number> {
    const db = this.database.db;
    const tenants = db.prepare('SELECT DISTINCT tenant FROM events').pluck().all() as string[];
    const remove = db.prepare(
      'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE tenant = ? AND ts < ? LIMIT ?)',
    );
    let deleted = 0;
    for (const tenant of tenants) {
      if (deleted >= limit) break;
      deleted += remove.run(tenant, cutoff, limit - deleted).changes;
    }
    return deleted;
  }

  sizeBytes(): number {
    return this.database.sizeBytes();
  }

  isReady(): boolean {
    return this.database.isOpen();
  }

  /** Tenant, time range and query as one WHERE clause over alias `e`. */
  private filter(request: AggregationRequest): { where: string; params: unknown[] } {
    const compiled = compileSqliteWhere(request.query);
    return {
      where: `e.tenant = ? AND e.ts >= ? AND e.ts < ? AND (${compiled.sql})`,
      params: [request.tenant, request.range.from, request.range.to, ...compiled.params],
    };
  }
}

function toRow(event: EcsEvent): Row {
  const message = event.message;
  return [
    event.event.id,
    event.tenant,
    eventTimeMillis(event['@timestamp']) ?? Date.now(),
    text(getField(event, 'container.name')),
    text(getField(event, 'host.name')),
    text(getField(event, 'service.name')),
    text(getField(event, 'log.level')),
    text(getField(event, 'event.dataset')),
    JSON.stringify(event),
    typeof message === 'string' && message !== '' ? message : null,
  ];
}
