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

export interface AppendResult {
  stored: number;
  /** Events whose id was already stored (a replayed batch). */
  duplicates: number;
  /** Per appended event, in order: false for a duplicate, so a replay is not processed twice. */
  fresh: boolean[];
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
  /** Deletes at most `limit` events older than `cutoff`; answers how many went. */
  deleteOlderThan(cutoff: number, limit: number): Promise<number>;
  sizeBytes(): number;
  isReady(): boolean;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
