import type { EcsEvent } from '@logwarden/schema';
import type { QueryNode } from '@logwarden/query';

/** Half-open time range `[from, to)` in epoch milliseconds, on `@timestamp`. */
export interface TimeRange {
  from: number;
  to: number;
}

/** Where a page ended: the sort values of its last hit, opaque to callers. */
export type SortValues = [number, number | string];

export interface SearchRequest {
  tenant: string;
  query: QueryNode;
  range: TimeRange;
  size: number;
  order: 'asc' | 'desc';
  searchAfter?: SortValues;
}

export interface SearchResult {
  /** Matches in the whole range, counted up to `TOTAL_HITS_LIMIT`. */
  total: number;
  totalRelation: 'eq' | 'gte';
  hits: EcsEvent[];
  /** Sort values of the last hit when more hits may follow. */
  next?: SortValues;
}

export interface AggregationRequest {
  tenant: string;
  query: QueryNode;
  range: TimeRange;
}

export interface HistogramBucket {
  /** Bucket start, epoch ms, aligned to the interval. */
  key: number;
  count: number;
}

export interface TermsBucket {
  value: string | number | boolean;
  count: number;
}

/** An event the store refused for good (it cannot index it), to dead-letter with the reason. */
export interface AppendFailure {
  /** Position of the event in the appended batch. */
  index: number;
  /** The event itself: the caller may have let its own reference go while the store worked. */
  event: EcsEvent;
  reason: string;
}

export interface AppendResult {
  stored: number;
  /** Events whose id was already stored (a replayed batch). */
  duplicates: number;
  /** Per appended event, in order: false for a duplicate, so a replay is not processed twice. */
  fresh: boolean[];
  /**
   * Per appended event, its position in the store's insertion order (0 for a duplicate),
   * when the store keeps one: the embedded detector resumes from a position after a restart.
   */
  positions?: number[];
  /** Events refused for good, in batch order; neither stored nor fresh. */
  failed?: AppendFailure[];
}

/** An event and its position in the store's insertion order. */
export interface PositionedEvent {
  position: number;
  event: EcsEvent;
}

export interface DistinctValuesRequest {
  query: QueryNode;
  range: TimeRange;
  fields: string[];
  limit: number;
}

/** One combination of field values (null when absent), with when it was first and last seen. */
export interface DistinctValues {
  tenant: string;
  values: unknown[];
  firstSeen: number;
  lastSeen: number;
}

/** Totals are exact up to this many matches, as Elasticsearch's `track_total_hits`. */
export const TOTAL_HITS_LIMIT = 10_000;

/**
 * The event store port: durable, searchable, tenant-scoped storage of ECS events.
 * `append` resolves only once the events are durable.
 */
export interface EventStore {
  append(events: EcsEvent[]): Promise<AppendResult>;
  search(request: SearchRequest): Promise<SearchResult>;
  histogram(request: AggregationRequest & { intervalMs: number }): Promise<HistogramBucket[]>;
  terms(request: AggregationRequest & { field: string; size: number }): Promise<TermsBucket[]>;
  /** The events with these ids, searched within `range`; ids not found are left out. */
  getByIds(tenant: string, ids: string[], range: TimeRange): Promise<EcsEvent[]>;
  /** Distinct value combinations of `fields` among matching events of every tenant, most recent first. */
  distinctValues(request: DistinctValuesRequest): Promise<DistinctValues[]>;
  /**
   * Up to `limit` events stored after `position`, in insertion order; `undefined` when the
   * store keeps no positions (Elasticsearch, where the bus replays instead).
   */
  readAfter?(position: number, limit: number): Promise<PositionedEvent[]>;
  /** The newest position, 0 for an empty store; with `readAfter`. */
  lastPosition?(): Promise<number>;
  /** Deletes at most `limit` events older than `cutoff`; answers how many went. */
  deleteOlderThan(cutoff: number, limit: number): Promise<number>;
  sizeBytes(): number;
  isReady(): boolean;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
