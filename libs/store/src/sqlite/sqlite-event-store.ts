import { Inject, Injectable } from '@nestjs/common';
import type { Statement } from 'better-sqlite3';
import { EcsEvent, getField } from '@logwarden/schema';
import { Metrics } from '@logwarden/ops';
import {
  AggregationRequest,
  AppendResult,
  DistinctValues,
  DistinctValuesRequest,
  EventStore,
  HistogramBucket,
  SearchRequest,
  PositionedEvent,
  SearchResult,
  TermsBucket,
  TimeRange,
  TOTAL_HITS_LIMIT,
} from '../event-store.port';
import { SqliteDatabase } from './sqlite-database';
import { SqliteWriter } from './sqlite-writer';
import type { WriterRow } from './sqlite-writer.protocol';
import {
  SQLITE_FIELD_COLUMNS,
  SqliteWhere,
  compileSqliteWhere,
  jsonPath,
} from './sqlite-query-compiler';

const STATEMENT_CACHE_SIZE = 200;

/** Container searches read windows of 1 minute, then 8, 64, ... until the page is full. */
const FIRST_WINDOW_MS = 60_000;
const WINDOW_GROWTH = 8;

interface Filter {
  /** `events e`, NOT INDEXED when the query reads by `seq` from the container index. */
  source: string;
  where: string;
  params: unknown[];
  byContainer: boolean;
}

interface PageRow {
  seq: number;
  ts: number;
  doc: string;
}

/**
 * Events in SQLite: writes go to the writer thread (see sqlite-writer.worker.ts),
 * reads run here on a connection of their own, concurrently thanks to WAL.
 */
@Injectable()
export class SqliteEventStore implements EventStore {
  private readonly writer: SqliteWriter;
  private readonly statements = new Map<string, Statement>();

  constructor(
    @Inject(SqliteDatabase) private readonly database: SqliteDatabase,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.writer = new SqliteWriter(
      { path: database.path, synchronous: database.options.synchronous },
      (seconds, rows) => {
        metrics.storeCommitSeconds.observe(seconds);
        metrics.storeCommitRows.observe(rows);
      },
    );
  }

  /**
   * Not `async`: an async function keeps its arguments until it returns, and the caller
   * decides which of the events outlive the commit.
   */
  append(events: EcsEvent[]): Promise<AppendResult> {
    if (events.length === 0)
      return Promise.resolve({ stored: 0, duplicates: 0, fresh: [], positions: [] });
    return this.writer.append(writerRows(events)).then(appendResult);
  }

  /** Prepared statements by SQL text: a query shape seen once is usually seen again. */
  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.database.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Commits what is queued and stops the writer. */
  close(): Promise<void> {
    return this.writer.close();
  }

  async search(asked: SearchRequest): Promise<SearchResult> {
    const request = this.withinStoredTimes(asked);
    const { source, where, params, byContainer } = this.filter(request);
    const rows = byContainer
      ? this.pageInWindows(request, request.size + 1)
      : this.page(request, request.range, request.size + 1);
    const more = rows.length > request.size;
    if (more) rows.pop();
    // A first page that holds every match already is the count: most narrow searches skip a second pass.
    const total =
      !request.searchAfter && !more
        ? rows.length
        : (this.statement(
            `SELECT count(*) FROM (SELECT 1 FROM ${source} WHERE ${where} LIMIT ${TOTAL_HITS_LIMIT + 1})`,
          )
            .pluck()
            .get(...params) as number);
    const last = rows[rows.length - 1];
    return {
      total: Math.min(total, TOTAL_HITS_LIMIT),
      totalRelation: total > TOTAL_HITS_LIMIT ? 'gte' : 'eq',
      hits: rows.map((row) => JSON.parse(row.doc) as EcsEvent),
      next: more && last ? [last.ts, last.seq] : undefined,
    };
  }

  /** Up to `limit` matches in `range` after the request's cursor, in the request's order. */
  private page(request: SearchRequest, range: TimeRange, limit: number): PageRow[] {
    const { source, where, params } = this.filter({ ...request, range });
    const direction = request.order === 'asc' ? 'ASC' : 'DESC';
    let pageWhere = where;
    const pageParams = [...params];
    if (request.searchAfter) {
      const [ts, seq] = request.searchAfter;
      const cmp = request.order === 'asc' ? '>' : '<';
      pageWhere += ` AND (e.ts ${cmp} ? OR (e.ts = ? AND e.seq ${cmp} ?))`;
      pageParams.push(ts, ts, seq);
    }
    return this.statement(
      `SELECT e.seq, e.ts, e.doc FROM ${source} WHERE ${pageWhere}
       ORDER BY e.ts ${direction}, e.seq ${direction} LIMIT ?`,
    ).all(...pageParams, limit) as PageRow[];
  }

  /**
   * A page gathered from windows of growing length, the one where the page starts
   * first. The container index yields events in no time order, so one query over a
   * long range would read every event of the container to sort them; the first
   * window usually fills the page.
   */
  private pageInWindows(request: SearchRequest, limit: number): PageRow[] {
    const ascending = request.order === 'asc';
    let { from, to } = request.range;
    if (request.searchAfter) {
      const [ts] = request.searchAfter;
      if (ascending) from = Math.max(from, ts);
      else to = Math.min(to, ts + 1);
    }
    const rows: PageRow[] = [];
    for (let span = FIRST_WINDOW_MS; from < to && rows.length < limit; span *= WINDOW_GROWTH) {
      const window = ascending
        ? { from, to: Math.min(to, from + span) }
        : { from: Math.max(from, to - span), to };
      rows.push(...this.page(request, window, limit - rows.length));
      if (ascending) from = window.to;
      else to = window.from;
    }
    return rows;
  }

  async histogram(
    request: AggregationRequest & { intervalMs: number },
  ): Promise<HistogramBucket[]> {
    const { source, where, params } = this.filter(this.withinStoredTimes(request));
    const interval = request.intervalMs;
    return this.statement(
      `SELECT (e.ts - (e.ts % ?)) AS key, count(*) AS count FROM ${source}
         WHERE ${where} GROUP BY key ORDER BY key`,
    ).all(interval, ...params) as HistogramBucket[];
  }

  async terms(
    request: AggregationRequest & { field: string; size: number },
  ): Promise<TermsBucket[]> {
    const { source, where, params } = this.filter(this.withinStoredTimes(request));
    const column = SQLITE_FIELD_COLUMNS[request.field];
    const sql = column
      ? `SELECT e.${column} AS value, count(*) AS count FROM ${source}
         WHERE ${where} AND e.${column} IS NOT NULL GROUP BY value ORDER BY count DESC, value LIMIT ?`
      : `SELECT j.value AS value, count(*) AS count FROM ${source}, json_each(e.doc, ?) j
         WHERE ${where} AND j.type NOT IN ('object', 'array', 'null')
         GROUP BY value ORDER BY count DESC, value LIMIT ?`;
    const args = column
      ? [...params, request.size]
      : [jsonPath(request.field), ...params, request.size];
    const rows = this.statement(sql).all(...args) as {
      value: string | number;
      count: number;
    }[];
    return rows.map((row) => ({ value: row.value, count: row.count }));
  }

  async getByIds(tenant: string, ids: string[], range: TimeRange): Promise<EcsEvent[]> {
    if (ids.length === 0) return [];
    const rows = this.statement(
      `SELECT doc FROM events WHERE tenant = ? AND ts >= ? AND ts < ?
         AND id IN (${ids.map(() => '?').join(', ')}) ORDER BY ts, seq`,
    )
      .pluck()
      .all(tenant, range.from, range.to, ...ids) as string[];
    return rows.map((doc) => JSON.parse(doc) as EcsEvent);
  }

  async distinctValues(request: DistinctValuesRequest): Promise<DistinctValues[]> {
    const compiled = compileSqliteWhere(request.query, request.range);
    const source = sourceOf(compiled);
    const columns = request.fields.map((field, i) => {
      const column = SQLITE_FIELD_COLUMNS[field];
      return `${column ? `e.${column}` : `json_extract(e.doc, '${jsonPath(field).replaceAll("'", "''")}')`} AS v${i}`;
    });
    const groups = request.fields.map((_, i) => `v${i}`).join(', ');
    const rows = this.statement(
      `SELECT e.tenant AS tenant, ${columns.join(', ')}, min(e.ts) AS firstSeen, max(e.ts) AS lastSeen
         FROM ${source} WHERE e.ts >= ? AND e.ts < ? AND (${compiled.sql})
         GROUP BY e.tenant${groups ? `, ${groups}` : ''} ORDER BY lastSeen DESC LIMIT ?`,
    ).all(request.range.from, request.range.to, ...compiled.params, request.limit) as Record<
      string,
      unknown
    >[];
    return rows.map((row) => ({
      tenant: row.tenant as string,
      values: request.fields.map((_, i) => row[`v${i}`] ?? null),
      firstSeen: row.firstSeen as number,
      lastSeen: row.lastSeen as number,
    }));
  }

  async readAfter(position: number, limit: number): Promise<PositionedEvent[]> {
    const rows = this.statement(
      'SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
    ).all(position, limit) as { seq: number; doc: string }[];
    return rows.map((row) => ({ position: row.seq, event: JSON.parse(row.doc) as EcsEvent }));
  }

  async lastPosition(): Promise<number> {
    return this.statement('SELECT coalesce(max(seq), 0) FROM events').pluck().get() as number;
  }

  deleteOlderThan(cutoff: number, limit: number): Promise<number> {
    return this.writer.deleteOlderThan(cutoff, limit);
  }

  sizeBytes(): number {
    return this.database.sizeBytes();
  }

  isReady(): boolean {
    return this.database.isOpen() && this.writer.isAlive();
  }

  /**
   * The request with its range cut to the tenant's first and last stored event: an
   * open range would cover millennia of buckets in the container index.
   */
  private withinStoredTimes<T extends AggregationRequest>(request: T): T {
    const stored = this.statement(
      `SELECT (SELECT min(ts) FROM events WHERE tenant = ?) AS first,
              (SELECT max(ts) FROM events WHERE tenant = ?) AS last`,
    ).get(request.tenant, request.tenant) as { first: number | null; last: number | null };
    if (stored.first === null || stored.last === null) return request;
    const from = Math.max(request.range.from, stored.first);
    const to = Math.max(from, Math.min(request.range.to, stored.last + 1));
    return { ...request, range: { from, to } };
  }

  /** Tenant, time range and query as one WHERE clause over `source`, alias `e`. */
  private filter(request: AggregationRequest): Filter {
    const compiled = compileSqliteWhere(request.query, request.range);
    return {
      source: sourceOf(compiled),
      where: `e.tenant = ? AND e.ts >= ? AND e.ts < ? AND (${compiled.sql})`,
      params: [request.tenant, request.range.from, request.range.to, ...compiled.params],
      byContainer: compiled.byContainer,
    };
  }
}

function sourceOf(compiled: SqliteWhere): string {
  return compiled.byContainer ? 'events e NOT INDEXED' : 'events e';
}

/** The writer's answer, each row's `seq` or 0 for a duplicate, as the port's result. */
function appendResult(written: Float64Array): AppendResult {
  // One indexed pass: Array.from, map and filter cost this hot path about 140 bytes per event.
  const positions = new Array<number>(written.length);
  const fresh = new Array<boolean>(written.length);
  let stored = 0;
  for (let i = 0; i < written.length; i++) {
    positions[i] = written[i];
    fresh[i] = written[i] > 0;
    if (fresh[i]) stored++;
  }
  return { stored, duplicates: written.length - stored, fresh, positions };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The events in the writer's row format. Built apart from `append`: the writer gets a
 * copy, and rows held through the commit (a closure over them would) cost the heap a second
 * copy of every document, promoted to the old generation. `map` keeps the array packed; a
 * preallocated `new Array(n)` is holey, and V8 clones a holey array as a sparse one, key by key.
 */
function writerRows(events: EcsEvent[]): WriterRow[] {
  return events.map((event) => {
    const message = event.message;
    return [
      event.event.id,
      event.tenant,
      // Normalization writes `@timestamp` as ISO-8601 UTC, which Date.parse reads exactly and fast.
      Date.parse(event['@timestamp']),
      text(getField(event, 'container.name')),
      text(getField(event, 'host.name')),
      text(getField(event, 'service.name')),
      text(getField(event, 'log.level')),
      text(getField(event, 'event.dataset')),
      JSON.stringify(event),
      typeof message === 'string' && message !== '' ? message : null,
    ];
  });
}
