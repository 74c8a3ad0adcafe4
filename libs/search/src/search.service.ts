import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import {
  QueryNode,
  QuerySyntaxError,
  parseInterval,
  parseQuery,
  parseTime,
} from '@logwarden/query';
import { EVENT_STORE, EventStore, SortValues, TimeRange } from '@logwarden/store';
import type { EcsEvent } from '@logwarden/schema';
import { HistogramParams, QueryParams, SearchParams, TermsParams } from './search-params.dto';

export interface SearchResponse {
  total: number;
  total_relation: 'eq' | 'gte';
  took_ms: number;
  hits: EcsEvent[];
  next_cursor: string | null;
}

export interface HistogramResponse {
  took_ms: number;
  interval_ms: number;
  buckets: { key: string; key_ms: number; count: number }[];
}

export interface TermsResponse {
  took_ms: number;
  field: string;
  buckets: { value: string | number | boolean; count: number }[];
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_BUCKETS = 10_000;

interface Cursor {
  after: SortValues;
  order: 'asc' | 'desc';
}

function invalid(
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): BadRequestException {
  return new BadRequestException({ error, message, ...extra });
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.after, cursor.order])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [after, order] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [
      SortValues,
      string,
    ];
    if (
      Array.isArray(after) &&
      after.length === 2 &&
      typeof after[0] === 'number' &&
      (order === 'asc' || order === 'desc')
    ) {
      return { after, order };
    }
  } catch {
    // Falls through to the same answer as a well-formed but foreign cursor.
  }
  throw invalid('invalid_cursor', 'cursor is not one returned by this API as next_cursor');
}

/** Search and aggregations over the caller's tenant only. */
@Injectable()
export class SearchService {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async search(tenant: string, params: SearchParams): Promise<SearchResponse> {
    const started = performance.now();
    const query = this.query(params.q);
    const range = this.range(params);
    const cursor = params.cursor ? decodeCursor(params.cursor) : undefined;
    const order = cursor?.order ?? (params.sort?.endsWith('asc') ? 'asc' : 'desc');
    const size = params.size ?? DEFAULT_PAGE_SIZE;
    const result = await this.store.search({
      tenant,
      query,
      range,
      size,
      order,
      searchAfter: cursor?.after,
    });
    return {
      total: result.total,
      total_relation: result.totalRelation,
      took_ms: Math.round(performance.now() - started),
      hits: result.hits,
      next_cursor: result.next ? encodeCursor({ after: result.next, order }) : null,
    };
  }

  async histogram(tenant: string, params: HistogramParams): Promise<HistogramResponse> {
    const started = performance.now();
    const query = this.query(params.q);
    const range = this.range(params);
    const intervalMs = this.interval(params.interval ?? '1m');
    const found = await this.store.histogram({ tenant, query, range, intervalMs });

    // Empty buckets are filled in between the range's bounds, or the data's where the range is open.
    const align = (ms: number) => ms - (((ms % intervalMs) + intervalMs) % intervalMs);
    const first = params.from ? align(range.from) : found[0]?.key;
    const last = params.to ? align(range.to - 1) : found[found.length - 1]?.key;
    const counts = new Map(found.map((bucket) => [bucket.key, bucket.count]));
    const buckets: HistogramResponse['buckets'] = [];
    if (first !== undefined && last !== undefined) {
      if ((last - first) / intervalMs + 1 > MAX_BUCKETS) {
        throw invalid(
          'invalid_interval',
          `interval ${params.interval} makes more than ${MAX_BUCKETS} buckets over this range`,
        );
      }
      for (let key = first; key <= last; key += intervalMs) {
        buckets.push({
          key: new Date(key).toISOString(),
          key_ms: key,
          count: counts.get(key) ?? 0,
        });
      }
    }
    return { took_ms: Math.round(performance.now() - started), interval_ms: intervalMs, buckets };
  }

  async terms(tenant: string, params: TermsParams): Promise<TermsResponse> {
    const started = performance.now();
    const buckets = await this.store.terms({
      tenant,
      query: this.query(params.q),
      range: this.range(params),
      field: params.field,
      size: params.size ?? 10,
    });
    return { took_ms: Math.round(performance.now() - started), field: params.field, buckets };
  }

  private query(q: string | undefined): QueryNode {
    try {
      return parseQuery(q ?? '');
    } catch (error) {
      if (error instanceof QuerySyntaxError) {
        throw invalid('invalid_query', error.message, { position: error.position });
      }
      throw error;
    }
  }

  private range(params: QueryParams): TimeRange {
    const now = Date.now();
    const from = params.from ? this.time('from', params.from, now) : 0;
    const to = params.to ? this.time('to', params.to, now) : Number.MAX_SAFE_INTEGER;
    if (from >= to)
      throw invalid('invalid_range', `from (${params.from}) must be before to (${params.to})`);
    return { from, to };
  }

  private time(name: string, value: string, now: number): number {
    try {
      return parseTime(value, now);
    } catch (error) {
      throw invalid('invalid_time', `${name}: ${(error as Error).message}`);
    }
  }

  private interval(value: string): number {
    try {
      return parseInterval(value);
    } catch (error) {
      throw invalid('invalid_interval', `interval: ${(error as Error).message}`);
    }
  }
}
