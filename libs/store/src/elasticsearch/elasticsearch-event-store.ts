import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { errors, type Client } from '@elastic/elasticsearch';
import type {
  AggregationsCompositeAggregate,
  AggregationsCompositeAggregationSource,
  AggregationsDateHistogramAggregate,
  AggregationsStringTermsAggregate,
  AggregationsTermsAggregation,
  BulkResponse,
  SearchTotalHits,
  Sort,
} from '@elastic/elasticsearch/lib/api/types';
import { TIMESTAMP_FIELD, compareCodePoints } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import {
  AggregationRequest,
  AppendResult,
  DistinctValues,
  DistinctValuesRequest,
  EventStore,
  HistogramBucket,
  SearchRequest,
  SearchResult,
  SortValues,
  TermsBucket,
  TimeRange,
  TOTAL_HITS_LIMIT,
} from '../event-store.port';
import { bulkEntry } from './elasticsearch-event-document';
import {
  EventIndexNames,
  channelField,
  eventIndexTemplate,
  retentionPolicy,
  type EventIndexSettings,
} from './elasticsearch-event-mapping';
import { allOf, compileElasticsearchQuery, type EsQuery } from './elasticsearch-query-compiler';
import {
  DEFAULT_RETRY,
  isRetryable,
  isRetryableStatus,
  retryDelay,
  sleep,
  withRetries,
  type RetryPolicy,
} from './elasticsearch-retry';

export interface ElasticsearchEventStoreOptions extends EventIndexSettings {
  retry?: RetryPolicy;
  /** Told the duration and size of each bulk request, for the store's metrics. */
  onBulk?: (seconds: number, events: number) => void;
}

/** Bulk requests stay around 10 MB, which Elasticsearch handles best, and far below its 100 MB cap. */
const MAX_BULK_CHARS = 8_000_000;
/** Only what `append` reads of each item: a bulk of thousands answers in kilobytes. */
const BULK_FILTER = 'items.*.status,items.*.error.type,items.*.error.reason';
/** Searches and aggregations are asked for again this often at most: a caller is waiting. */
const READ_ATTEMPTS = 3;
/** At start Elasticsearch may still be coming up: about two minutes before giving up. */
const INIT_RETRY: RetryPolicy = { attempts: 16, baseDelayMs: 500, maxDelayMs: 10_000 };
const HEALTH_EVERY_MS = 5_000;
const SIZE_EVERY_MS = 60_000;
/** `index.max_result_window`: the most one search answers. */
const MAX_RESULT_WINDOW = 10_000;
const COMPOSITE_PAGE = 1_000;
/** The JSON types a field's values are aggregated over, in the order they are reported. */
const AGGREGATED_CHANNELS = ['number', 'boolean', 'string'] as const;

interface Pending {
  /** Position of the event in the appended batch. */
  index: number;
  lines: string;
  /** Whether a request that failed on the way carried it, and so may have stored it. */
  uncertain: boolean;
}

/**
 * Events in Elasticsearch, in one index per UTC day of event time (see
 * elasticsearch-event-mapping.ts). A document's id is derived from its tenant, time and
 * `event.id`, and its daily index from its time, so a replayed event always meets its
 * first copy with a 409: `create` is the deduplication. Retention is the indices'
 * lifecycle policy's, which deletes whole days.
 */
export class ElasticsearchEventStore implements EventStore {
  private readonly logger = new Logger(ElasticsearchEventStore.name);
  private readonly names: EventIndexNames;
  private readonly retry: RetryPolicy;
  private readonly readRetry: RetryPolicy;
  private ready = false;
  private size = 0;
  private sizeCheckedAt = -Infinity;
  private checking = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchEventStoreOptions,
  ) {
    this.names = new EventIndexNames(options.indexPrefix);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.readRetry = { ...this.retry, attempts: Math.min(READ_ATTEMPTS, this.retry.attempts) };
  }

  /**
   * Creates or updates the lifecycle policy and the index template when they differ from
   * what the settings ask for (a fingerprint in their `_meta` tells), then watches the
   * cluster's health. Several instances may start at once: each write is idempotent.
   */
  async init(): Promise<void> {
    await withRetries(INIT_RETRY, () => this.ensurePolicy());
    await withRetries(INIT_RETRY, () => this.ensureTemplate());
    await this.checkHealth();
    this.timer = setInterval(() => void this.checkHealth(), HEALTH_EVERY_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async ensurePolicy(): Promise<void> {
    const name = this.names.policy;
    const policy = retentionPolicy(this.options.retentionDays);
    const meta = managed(policy);
    const current = await this.client.ilm.getLifecycle({ name }, { ignore: [404] });
    if (current[name]?.policy?._meta?.fingerprint === meta.fingerprint) return;
    await this.client.ilm.putLifecycle({ name, policy: { ...policy, _meta: meta } });
    this.logger.log(`lifecycle policy ${name} set: events kept ${this.options.retentionDays} days`);
  }

  private async ensureTemplate(): Promise<void> {
    const name = this.names.template;
    const template = eventIndexTemplate(this.options);
    const meta = managed(template);
    const current = await this.client.indices.getIndexTemplate({ name }, { ignore: [404] });
    const found = current.index_templates?.find((item) => item.name === name);
    if (found?.index_template._meta?.fingerprint === meta.fingerprint) return;
    await this.client.indices.putIndexTemplate({ name, ...template, _meta: meta });
    this.logger.log(`index template ${name} set; it applies from the next daily index`);
  }

  /** Refreshes readiness (a ping) and, once a minute, the size on disk. */
  async checkHealth(now = Date.now()): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      this.ready = await this.client.ping().catch(() => false);
      if (this.ready && now - this.sizeCheckedAt >= SIZE_EVERY_MS) {
        const stats = await this.client.indices.stats({
          index: this.names.pattern,
          metric: 'store',
        });
        this.size = stats._all.total?.store?.size_in_bytes ?? 0;
        this.sizeCheckedAt = now;
      }
    } catch {
      // The size stays as last measured; readiness was just settled by the ping.
    } finally {
      this.checking = false;
    }
  }

  /**
   * One `create` per event. 201 is stored, 409 a duplicate; 429 and 5xx items are sent
   * again after a backoff, as are whole requests that fail that way. Any other item
   * failure (a document Elasticsearch cannot index) is permanent: it is reported in
   * `failed`, for the caller to dead-letter, and the other events are stored all the same.
   *
   * A request that failed on the way (a timeout, a lost connection, a 5xx from a proxy)
   * may still have been applied, so a 409 met on its retry may be this very call's write:
   * such an event counts as stored and fresh. Processing it twice is the lesser harm;
   * dropping it from detection would lose it silently.
   */
  async append(events: EcsEvent[]): Promise<AppendResult> {
    const result: Required<Pick<AppendResult, 'stored' | 'duplicates' | 'fresh' | 'failed'>> = {
      stored: 0,
      duplicates: 0,
      fresh: new Array<boolean>(events.length).fill(false),
      failed: [],
    };
    const pending: Pending[] = [];
    events.forEach((event, index) => {
      const entry = bulkEntry(event, this.names);
      if ('error' in entry) result.failed.push({ index, event, reason: entry.error });
      else pending.push({ index, lines: entry.lines, uncertain: false });
    });
    for (const chunk of bulkChunks(pending)) {
      await this.write(chunk, ({ index, uncertain }, status, reason) => {
        if ((status >= 200 && status < 300) || (status === 409 && uncertain)) {
          result.fresh[index] = true;
          result.stored += 1;
        } else if (status === 409) result.duplicates += 1;
        else result.failed.push({ index, event: events[index], reason });
      });
    }
    result.failed.sort((a, b) => a.index - b.index);
    return result;
  }

  private async write(
    entries: Pending[],
    settle: (entry: Pending, status: number, reason: string) => void,
  ): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      let again: Pending[] = [];
      let refusal: unknown;
      try {
        const items = await this.bulk(pending);
        let reason = '';
        items.forEach((item, i) => {
          const status = item.create?.status ?? 0;
          const error = item.create?.error;
          const why = error ? `${error.type}: ${error.reason ?? ''}` : `status ${status}`;
          if (!isRetryableStatus(status)) settle(pending[i], status, why);
          else {
            again.push(pending[i]);
            reason = why;
          }
        });
        refusal = new Error(
          `Elasticsearch still refused ${again.length} events after ${attempt} attempts: ${reason}`,
        );
      } catch (error) {
        if (!isRetryable(error)) throw error;
        // Only a 429 says for sure that nothing was written.
        if (!(error instanceof errors.ResponseError && error.statusCode === 429)) {
          for (const entry of pending) entry.uncertain = true;
        }
        again = pending;
        refusal = error;
      }
      if (again.length === 0) return;
      if (attempt >= this.retry.attempts) throw refusal;
      await sleep(retryDelay(this.retry, attempt));
      pending = again;
    }
  }

  /** One bulk request, which the transport must not retry itself: `write` tells when a retry may have been applied. */
  private async bulk(pending: Pending[]): Promise<BulkResponse['items']> {
    const started = performance.now();
    const response = await this.client.transport.request<Partial<Pick<BulkResponse, 'items'>>>(
      {
        method: 'POST',
        path: '/_bulk',
        bulkBody: pending.map((entry) => entry.lines).join(''),
        querystring: { filter_path: BULK_FILTER },
      },
      { maxRetries: 0 },
    );
    this.options.onBulk?.((performance.now() - started) / 1000, pending.length);
    if (response.items?.length !== pending.length) {
      throw new Error(
        `bulk answered ${response.items?.length ?? 0} items for ${pending.length} events`,
      );
    }
    return response.items;
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const response = await withRetries(this.readRetry, () =>
      this.client.search<EcsEvent>({
        index: this.names.pattern,
        query: this.filter(request),
        sort: byTime(request.order),
        // One more than asked tells whether a next page exists.
        size: request.size + 1,
        track_total_hits: TOTAL_HITS_LIMIT,
        allow_partial_search_results: false,
        ...(request.searchAfter && { search_after: request.searchAfter }),
      }),
    );
    const more = response.hits.hits.length > request.size;
    const hits = response.hits.hits.slice(0, request.size);
    const total = response.hits.total as SearchTotalHits;
    const last = hits[hits.length - 1];
    return {
      total: total.value,
      totalRelation: total.relation,
      hits: hits.map((hit) => hit._source as EcsEvent),
      next: more && last ? (last.sort as SortValues) : undefined,
    };
  }

  /** Non-empty buckets only, as the SQLite store answers; the search service fills the gaps. */
  async histogram(
    request: AggregationRequest & { intervalMs: number },
  ): Promise<HistogramBucket[]> {
    const response = await this.aggregate(this.filter(request), {
      histogram: {
        date_histogram: {
          field: TIMESTAMP_FIELD,
          fixed_interval: `${request.intervalMs}ms`,
          min_doc_count: 1,
        },
      },
    });
    const histogram = response.histogram as AggregationsDateHistogramAggregate | undefined;
    return bucketList(histogram?.buckets).map((bucket) => ({
      key: bucket.key,
      count: bucket.doc_count,
    }));
  }

  /**
   * The most frequent values of a field, of every JSON type: one `terms` aggregation per
   * channel, merged. Ties go to numbers, then booleans, then strings in code-point order.
   */
  async terms(
    request: AggregationRequest & { field: string; size: number },
  ): Promise<TermsBucket[]> {
    const terms = (field: string): { terms: AggregationsTermsAggregation } => ({
      terms: { field, size: request.size, order: [{ _count: 'desc' }, { _key: 'asc' }] },
    });
    const channels = request.field === TIMESTAMP_FIELD ? (['time'] as const) : AGGREGATED_CHANNELS;
    const response = await this.aggregate(
      this.filter(request),
      Object.fromEntries(
        channels.map((channel) => [
          channel,
          terms(channel === 'time' ? TIMESTAMP_FIELD : channelField(channel, request.field)),
        ]),
      ),
    );
    const buckets: TermsBucket[] = [];
    for (const channel of channels) {
      const aggregate = response[channel] as AggregationsStringTermsAggregate | undefined;
      for (const bucket of bucketList(aggregate?.buckets)) {
        buckets.push({
          value: channel === 'boolean' ? bucket.key_as_string === 'true' : (bucket.key as Scalar),
          count: bucket.doc_count,
        });
      }
    }
    return buckets.sort(byCountThenValue).slice(0, request.size);
  }

  async getByIds(tenant: string, ids: string[], range: TimeRange): Promise<EcsEvent[]> {
    if (ids.length === 0) return [];
    const response = await withRetries(this.readRetry, () =>
      this.client.search<EcsEvent>({
        index: this.names.pattern,
        query: allOf([tenantIs(tenant), within(range), { terms: { 'event.id': ids } }]),
        sort: byTime('asc'),
        size: MAX_RESULT_WINDOW,
        track_total_hits: false,
        allow_partial_search_results: false,
      }),
    );
    return response.hits.hits.map((hit) => hit._source as EcsEvent);
  }

  /**
   * Every combination, a composite page at a time (its order is the keys', not recency),
   * keeping the `limit` most recently seen. A field's value is read from the first
   * channel holding one, so a number stays a number.
   */
  async distinctValues(request: DistinctValuesRequest): Promise<DistinctValues[]> {
    const sources: Record<string, AggregationsCompositeAggregationSource>[] = [
      { tenant: { terms: { field: 'tenant' } } },
    ];
    request.fields.forEach((field, i) => {
      const channels = field === TIMESTAMP_FIELD ? (['time'] as const) : AGGREGATED_CHANNELS;
      for (const channel of channels) {
        const source = channel === 'time' ? TIMESTAMP_FIELD : channelField(channel, field);
        sources.push({ [`v${i}_${channel}`]: { terms: { field: source, missing_bucket: true } } });
      }
    });
    const query = allOf([within(request.range), compileElasticsearchQuery(request.query)]);
    let kept: DistinctValues[] = [];
    let after: CompositeKey | undefined;
    do {
      const response = await this.aggregate(query, {
        combinations: {
          composite: { size: COMPOSITE_PAGE, sources, ...(after && { after }) },
          aggs: {
            first: { min: { field: TIMESTAMP_FIELD } },
            last: { max: { field: TIMESTAMP_FIELD } },
          },
        },
      });
      const page = response.combinations as AggregationsCompositeAggregate | undefined;
      const buckets = bucketList(page?.buckets);
      for (const { key, first, last } of buckets) {
        kept.push({
          tenant: key.tenant as string,
          values: request.fields.map((_, i) => fieldValue(key, i)),
          firstSeen: (first as { value: number }).value,
          lastSeen: (last as { value: number }).value,
        });
      }
      if (kept.length > 2 * request.limit) kept = mostRecent(kept, request.limit);
      after = buckets.length === COMPOSITE_PAGE ? page?.after_key : undefined;
    } while (after);
    return mostRecent(kept, request.limit);
  }

  /**
   * Answers 0: the lifecycle policy deletes whole daily indices once all their events are
   * past retention, which costs nothing, where deleting events one by one would rewrite
   * segments for hours.
   */
  async deleteOlderThan(_cutoff: number, _limit: number): Promise<number> {
    return 0;
  }

  /** All daily indices, replicas included, as of the last measurement. */
  sizeBytes(): number {
    return this.size;
  }

  /** Whether the last ping, at most a few seconds ago, succeeded. */
  isReady(): boolean {
    return this.ready;
  }

  private filter(request: AggregationRequest): EsQuery {
    return allOf([
      tenantIs(request.tenant),
      within(request.range),
      compileElasticsearchQuery(request.query),
    ]);
  }

  private async aggregate(
    query: EsQuery,
    aggs: Record<string, object>,
  ): Promise<Record<string, unknown>> {
    const response = await withRetries(this.readRetry, () =>
      this.client.search({
        index: this.names.pattern,
        query,
        aggs,
        size: 0,
        track_total_hits: false,
        allow_partial_search_results: false,
      }),
    );
    // No aggregations come back when no daily index exists yet.
    return response.aggregations ?? {};
  }
}

/** A `_meta` that says Logwarden manages the resource, and which content it last wrote. */
function managed(body: object): { managed_by: string; fingerprint: string } {
  const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { managed_by: 'logwarden', fingerprint };
}

function tenantIs(tenant: string): EsQuery {
  return { term: { tenant } };
}

function within(range: TimeRange): EsQuery {
  return {
    range: { [TIMESTAMP_FIELD]: { gte: range.from, lt: range.to, format: 'epoch_millis' } },
  };
}

/** Event time, then `event.id`: unique within a tenant, so pages never skip a tie. */
function byTime(order: 'asc' | 'desc'): Sort {
  return [{ [TIMESTAMP_FIELD]: { order } }, { 'event.id': { order } }];
}

function bucketList<T>(buckets: T[] | Record<string, T> | undefined): T[] {
  if (buckets === undefined) return [];
  return Array.isArray(buckets) ? buckets : Object.values(buckets);
}

function bulkChunks(entries: Pending[]): Pending[][] {
  const chunks: Pending[][] = [];
  let chunk: Pending[] = [];
  let chars = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && chars + entry.lines.length > MAX_BULK_CHARS) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(entry);
    chars += entry.lines.length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

const TYPE_RANK = { number: 0, boolean: 1, string: 2 } as Record<string, number>;

function byCountThenValue(a: TermsBucket, b: TermsBucket): number {
  if (a.count !== b.count) return b.count - a.count;
  const rank = TYPE_RANK[typeof a.value] - TYPE_RANK[typeof b.value];
  if (rank !== 0) return rank;
  if (typeof a.value === 'string') return compareCodePoints(a.value, b.value as string);
  return Number(a.value) - Number(b.value);
}

type Scalar = string | number | boolean;
type CompositeKey = Record<string, Scalar | null>;

function fieldValue(key: CompositeKey, i: number): Scalar | null {
  if (`v${i}_time` in key) return key[`v${i}_time`] ?? null;
  const number = key[`v${i}_number`];
  if (number !== null && number !== undefined) return number;
  const boolean = key[`v${i}_boolean`];
  if (boolean !== null && boolean !== undefined)
    return boolean === true || boolean === 1 || boolean === 'true';
  return key[`v${i}_string`] ?? null;
}

function mostRecent(values: DistinctValues[], limit: number): DistinctValues[] {
  return values.sort((a, b) => b.lastSeen - a.lastSeen).slice(0, limit);
}
