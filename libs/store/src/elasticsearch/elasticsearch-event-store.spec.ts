import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client, errors } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { CONFIG, type LogwardenConfig } from '@logwarden/config';
import { Metrics, Readiness } from '@logwarden/ops';
import { parseQuery } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { EVENT_STORE } from '../event-store.port';
import { eventIndexTemplate } from './elasticsearch-event-mapping';
import { ElasticsearchEventStore } from './elasticsearch-event-store';
import { elasticsearchEventStoreProviders } from './elasticsearch-event-store.providers';

interface Request {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: any;
}

type Reply = object | string | errors.ResponseError;

/**
 * Elasticsearch on @elastic/elasticsearch-mock: every request is recorded, and answered
 * by `answer` (by default, a failure no test expects).
 */
class FakeElasticsearch {
  readonly requests: Request[] = [];
  answer: (request: Request) => Reply = () => failure(418, 'unexpected_request');
  readonly client: Client;

  constructor() {
    const mock = new Mock();
    mock.add({ method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], path: '/*' }, (params) => {
      const request: Request = {
        method: params.method as string,
        path: params.path as string,
        querystring: params.querystring ?? {},
        body: params.body ?? undefined,
      };
      this.requests.push(request);
      return this.answer(request);
    });
    // The transport's own retries are off: only the store's retries are under test.
    this.client = new Client({
      node: 'http://localhost:9200',
      Connection: mock.getConnection(),
      maxRetries: 0,
    });
  }

  /** Answers `METHOD path` from a table; replies in a list are given in turn, the last one repeated. */
  route(table: Record<string, Reply | Reply[]>): void {
    const turns = new Map<string, number>();
    this.answer = (request) => {
      const key = `${request.method} ${request.path}`;
      const reply = table[key];
      if (reply === undefined) return failure(418, `unexpected ${key}`);
      if (!Array.isArray(reply)) return reply;
      const turn = turns.get(key) ?? 0;
      turns.set(key, turn + 1);
      return reply[Math.min(turn, reply.length - 1)];
    };
  }

  calls(): string[] {
    return this.requests.map((request) => `${request.method} ${request.path}`);
  }
}

function failure(statusCode: number, type: string): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { type, reason: `${type} happened` }, status: statusCode },
    statusCode,
    headers: {},
    warnings: [],
    meta: {} as never,
  });
}

const SETTINGS = { indexPrefix: 'test', shards: 2, replicas: 1, retentionDays: 7 };
const RETRY = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 };

function event(id: string, timestamp: string, fields: Record<string, unknown> = {}): EcsEvent {
  return {
    '@timestamp': timestamp,
    tenant: 'acme',
    event: { id, ingested: timestamp },
    ...fields,
  };
}

const created = { create: { status: 201 } };
const duplicate = {
  create: {
    status: 409,
    error: { type: 'version_conflict_engine_exception', reason: 'document already exists' },
  },
};
const rejected = (status: number, type: string, reason: string) => ({
  create: { status, error: { type, reason } },
});

describe('ElasticsearchEventStore', () => {
  let es: FakeElasticsearch;
  let store: ElasticsearchEventStore;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    es = new FakeElasticsearch();
    store = new ElasticsearchEventStore(es.client, { ...SETTINGS, retry: RETRY });
  });

  afterEach(() => store.close());

  describe('init', () => {
    const stats = { _all: { total: { store: { size_in_bytes: 12_345 } } } };

    it('creates the lifecycle policy and the index template on a new cluster', async () => {
      es.route({
        'GET /_ilm/policy/test-events': failure(404, 'resource_not_found_exception'),
        'PUT /_ilm/policy/test-events': { acknowledged: true },
        'GET /_index_template/test-events': failure(404, 'resource_not_found_exception'),
        'PUT /_index_template/test-events': { acknowledged: true },
        'HEAD /': '',
        'GET /test-events-*/_stats/store': stats,
      });
      await store.init();

      expect(es.calls()).toEqual([
        'GET /_ilm/policy/test-events',
        'PUT /_ilm/policy/test-events',
        'GET /_index_template/test-events',
        'PUT /_index_template/test-events',
        'HEAD /',
        'GET /test-events-*/_stats/store',
      ]);
      const fingerprint = expect.stringMatching(/^[0-9a-f]{16}$/);
      expect(es.requests[1].body).toEqual({
        policy: {
          phases: { delete: { min_age: '8d', actions: { delete: {} } } },
          _meta: { managed_by: 'logwarden', fingerprint },
        },
      });
      const mappingRules =
        es.requests[3].body.template.settings.analysis.char_filter.logwarden_fold;
      expect(mappingRules).toEqual({ type: 'mapping', mappings: expect.any(Array) });
      expect(mappingRules.mappings.length).toBeGreaterThan(1000);
      expect(es.requests[3].body).toEqual({
        index_patterns: ['test-events-*'],
        priority: 200,
        allow_auto_create: true,
        _meta: { managed_by: 'logwarden', fingerprint },
        template: {
          settings: {
            number_of_shards: 2,
            number_of_replicas: 1,
            lifecycle: { name: 'test-events', parse_origination_date: true },
            mapping: { total_fields: { limit: 5000, ignore_dynamic_beyond_limit: true } },
            analysis: {
              char_filter: { logwarden_fold: mappingRules },
              tokenizer: {
                logwarden_tokens: {
                  type: 'pattern',
                  pattern: expect.stringMatching(/^\[\\p\{L\}\\p\{N\}\\p\{Co\}\\p\{Cn\}\]/),
                  group: 0,
                },
              },
              filter: {
                logwarden_inner_diacritics: {
                  type: 'pattern_replace',
                  pattern: expect.stringMatching(/^\[(\\u03[0-3][0-9a-f])+\]$/),
                  replacement: '',
                },
                logwarden_token_length: { type: 'length', max: 8191 },
              },
              analyzer: {
                logwarden_text: {
                  type: 'custom',
                  char_filter: ['logwarden_fold'],
                  tokenizer: 'logwarden_tokens',
                  filter: ['logwarden_inner_diacritics', 'logwarden_token_length'],
                },
              },
            },
          },
          mappings: {
            dynamic: false,
            date_detection: false,
            _source: { excludes: ['@logwarden'] },
            dynamic_templates: [
              {
                strings: {
                  path_match: '@logwarden.string.*',
                  mapping: { type: 'keyword', ignore_above: 8191 },
                },
              },
              { numbers: { path_match: '@logwarden.number.*', mapping: { type: 'double' } } },
              {
                numeric_strings: {
                  path_match: '@logwarden.numeric_string.*',
                  mapping: { type: 'double' },
                },
              },
              { booleans: { path_match: '@logwarden.boolean.*', mapping: { type: 'boolean' } } },
            ],
            properties: {
              '@timestamp': { type: 'date' },
              tenant: { type: 'keyword' },
              event: { properties: { id: { type: 'keyword' } } },
              '@logwarden': {
                properties: {
                  string: { type: 'object', dynamic: true, subobjects: false },
                  number: { type: 'object', dynamic: true, subobjects: false },
                  numeric_string: { type: 'object', dynamic: true, subobjects: false },
                  boolean: { type: 'object', dynamic: true, subobjects: false },
                  present: { type: 'keyword', ignore_above: 8191 },
                  text: {
                    type: 'text',
                    analyzer: 'logwarden_text',
                    index_options: 'positions',
                    norms: false,
                  },
                },
              },
            },
          },
        },
      });
      expect(store.isReady()).toBe(true);
      expect(store.sizeBytes()).toBe(12_345);
    });

    it('leaves a policy and template that match the settings alone', async () => {
      es.route({
        'GET /_ilm/policy/test-events': failure(404, 'resource_not_found_exception'),
        'PUT /_ilm/policy/test-events': { acknowledged: true },
        'GET /_index_template/test-events': failure(404, 'resource_not_found_exception'),
        'PUT /_index_template/test-events': { acknowledged: true },
        'HEAD /': '',
        'GET /test-events-*/_stats/store': stats,
      });
      await store.init();
      const policy = es.requests[1].body.policy;
      const template = es.requests[3].body;
      store.close();

      const again = new FakeElasticsearch();
      again.route({
        'GET /_ilm/policy/test-events': { 'test-events': { version: 1, policy } },
        'GET /_index_template/test-events': {
          index_templates: [{ name: 'test-events', index_template: template }],
        },
        'HEAD /': '',
        'GET /test-events-*/_stats/store': stats,
      });
      store = new ElasticsearchEventStore(again.client, { ...SETTINGS, retry: RETRY });
      await store.init();
      expect(again.calls()).toEqual([
        'GET /_ilm/policy/test-events',
        'GET /_index_template/test-events',
        'HEAD /',
        'GET /test-events-*/_stats/store',
      ]);
    });

    it('updates a policy and template written for other settings', async () => {
      const stale = { managed_by: 'logwarden', fingerprint: '0000000000000000' };
      es.route({
        'GET /_ilm/policy/test-events': {
          'test-events': {
            policy: {
              phases: { delete: { min_age: '31d', actions: { delete: {} } } },
              _meta: stale,
            },
          },
        },
        'PUT /_ilm/policy/test-events': { acknowledged: true },
        'GET /_index_template/test-events': {
          index_templates: [
            {
              name: 'test-events',
              index_template: { ...eventIndexTemplate(SETTINGS), _meta: stale },
            },
          ],
        },
        'PUT /_index_template/test-events': { acknowledged: true },
        'HEAD /': '',
        'GET /test-events-*/_stats/store': stats,
      });
      await store.init();
      expect(es.calls()).toContain('PUT /_ilm/policy/test-events');
      expect(es.calls()).toContain('PUT /_index_template/test-events');
      expect(es.requests[1].body.policy.phases.delete.min_age).toBe('8d');
    });

    it('waits for an Elasticsearch that is still starting', async () => {
      es.route({
        'GET /_ilm/policy/test-events': [failure(503, 'master_not_discovered_exception'), {}],
        'PUT /_ilm/policy/test-events': { acknowledged: true },
        'GET /_index_template/test-events': { index_templates: [] },
        'PUT /_index_template/test-events': { acknowledged: true },
        'HEAD /': '',
        'GET /test-events-*/_stats/store': stats,
      });
      await store.init();
      expect(es.calls().slice(0, 3)).toEqual([
        'GET /_ilm/policy/test-events',
        'GET /_ilm/policy/test-events',
        'PUT /_ilm/policy/test-events',
      ]);
    }, 10_000);
  });

  describe('append', () => {
    const e1 = event('e1', '2024-05-01T10:00:00.000Z', {
      message: 'Connection refused',
      http: { response: { status_code: 503 } },
    });
    const e2 = event('e2', '2024-05-02T00:00:00.000Z', { user: { name: ['root', 'admin'] } });
    const e3 = event('e3', '2024-05-02T00:00:01.000Z', { labels: 'flat' });

    it('sends one bulk of creates into daily indices, with the query fields', async () => {
      es.route({ 'POST /_bulk': { items: [created, created] } });
      const result = await store.append([e1, e2]);

      expect(result).toEqual({ stored: 2, duplicates: 0, fresh: [true, true], failed: [] });
      expect(es.requests).toHaveLength(1);
      expect(es.requests[0].querystring).toEqual({
        filter_path: 'items.*.status,items.*.error.type,items.*.error.reason',
      });
      expect(es.requests[0].body).toEqual([
        { create: { _index: 'test-events-2024.05.01', _id: 'Uv2fefbDz8jeQYmovIL-Hg' } },
        {
          ...e1,
          '@logwarden': {
            string: {
              tenant: 'acme',
              'event.id': 'e1',
              'event.ingested': '2024-05-01T10:00:00.000Z',
            },
            number: { 'http.response.status_code': 503 },
            present: [
              '@timestamp',
              'tenant',
              'event',
              'event.id',
              'event.ingested',
              'message',
              'http',
              'http.response',
              'http.response.status_code',
            ],
            text: 'Connection refused',
          },
        },
        { create: { _index: 'test-events-2024.05.02', _id: expect.stringMatching(/^.{22}$/) } },
        {
          ...e2,
          '@logwarden': {
            string: {
              tenant: 'acme',
              'event.id': 'e2',
              'event.ingested': '2024-05-02T00:00:00.000Z',
              'user.name': ['root', 'admin'],
            },
            present: [
              '@timestamp',
              'tenant',
              'event',
              'event.id',
              'event.ingested',
              'user',
              'user.name',
            ],
          },
        },
      ]);
    });

    it('reports duplicates as not fresh and refused documents with their reason', async () => {
      es.route({
        'POST /_bulk': {
          items: [
            duplicate,
            created,
            rejected(400, 'document_parsing_exception', '[1:2] failed to parse field [labels]'),
          ],
        },
      });
      expect(await store.append([e1, e2, e3])).toEqual({
        stored: 1,
        duplicates: 1,
        fresh: [false, true, false],
        failed: [
          {
            index: 2,
            event: e3,
            reason: 'document_parsing_exception: [1:2] failed to parse field [labels]',
          },
        ],
      });
    });

    it('sends again only the documents Elasticsearch pushed back', async () => {
      es.route({
        'POST /_bulk': [
          {
            items: [
              created,
              rejected(429, 'es_rejected_execution_exception', 'queue full'),
              rejected(503, 'unavailable_shards_exception', 'primary shard is not active'),
            ],
          },
          { items: [created, duplicate] },
        ],
      });
      expect(await store.append([e1, e2, e3])).toEqual({
        stored: 2,
        duplicates: 1,
        fresh: [true, true, false],
        failed: [],
      });
      const second = es.requests[1].body as { create?: { _index: string } }[];
      expect(second.filter((line) => line.create).map((line) => line.create?._index)).toEqual([
        'test-events-2024.05.02',
        'test-events-2024.05.02',
      ]);
      expect(second[1]).toMatchObject({ event: { id: 'e2' } });
      expect(second[3]).toMatchObject({ event: { id: 'e3' } });
    });

    it('sends a whole request again after a 429 or a 5xx', async () => {
      es.route({
        'POST /_bulk': [
          failure(429, 'circuit_breaking_exception'),
          failure(502, 'bad_gateway'),
          { items: [created] },
        ],
      });
      expect(await store.append([e1])).toMatchObject({ stored: 1, fresh: [true] });
      expect(es.calls()).toEqual(['POST /_bulk', 'POST /_bulk', 'POST /_bulk']);
    });

    it('counts as fresh a duplicate met after a request that may have been applied', async () => {
      es.route({
        'POST /_bulk': [
          failure(504, 'gateway_timeout'),
          { items: [duplicate, rejected(429, 'es_rejected_execution_exception', 'full')] },
          { items: [duplicate] },
        ],
      });
      expect(await store.append([e1, e2])).toEqual({
        stored: 2,
        duplicates: 0,
        fresh: [true, true],
        failed: [],
      });
      es.requests.length = 0;
      es.route({
        'POST /_bulk': [
          failure(429, 'circuit_breaking_exception'),
          { items: [rejected(429, 'es_rejected_execution_exception', 'full')] },
          { items: [duplicate] },
        ],
      });
      expect(await store.append([e1])).toMatchObject({ stored: 0, duplicates: 1, fresh: [false] });
    });

    it('fails once the attempts are spent, so the batch is replayed', async () => {
      es.route({
        'POST /_bulk': { items: [rejected(429, 'es_rejected_execution_exception', 'full')] },
      });
      await expect(store.append([e1])).rejects.toThrow(
        'Elasticsearch still refused 1 events after 3 attempts: es_rejected_execution_exception: full',
      );
      es.route({ 'POST /_bulk': failure(503, 'unavailable') });
      await expect(store.append([e1])).rejects.toBeInstanceOf(errors.ResponseError);
    });

    it('does not retry a request Elasticsearch refuses for good', async () => {
      es.route({ 'POST /_bulk': failure(400, 'illegal_argument_exception') });
      await expect(store.append([e1])).rejects.toBeInstanceOf(errors.ResponseError);
      expect(es.requests).toHaveLength(1);
    });

    it('refuses an event without a readable time and stores the rest', async () => {
      es.route({ 'POST /_bulk': { items: [created] } });
      const bad = event('bad', 'not a time');
      const result = await store.append([bad, e1]);
      expect(result).toEqual({
        stored: 1,
        duplicates: 0,
        fresh: [false, true],
        failed: [{ index: 0, event: bad, reason: '@timestamp "not a time" is not a date' }],
      });
      expect(es.requests[0].body).toHaveLength(2);
    });

    it('sends nothing for an empty batch', async () => {
      expect(await store.append([])).toEqual({ stored: 0, duplicates: 0, fresh: [], failed: [] });
      expect(es.requests).toHaveLength(0);
    });

    it('reports each bulk request to its observer', async () => {
      const observed: [number, number][] = [];
      store = new ElasticsearchEventStore(es.client, {
        ...SETTINGS,
        retry: RETRY,
        onBulk: (seconds, events) => observed.push([seconds, events]),
      });
      es.route({ 'POST /_bulk': { items: [created, created] } });
      await store.append([e1, e2]);
      expect(observed).toEqual([[expect.any(Number), 2]]);
    });
  });

  describe('reads', () => {
    const range = {
      from: Date.parse('2024-05-01T00:00:00Z'),
      to: Date.parse('2024-05-02T00:00:00Z'),
    };
    const scope = [
      { term: { tenant: 'acme' } },
      { range: { '@timestamp': { gte: range.from, lt: range.to, format: 'epoch_millis' } } },
    ];
    const hit = (id: string, ms: number) => ({
      _index: 'test-events-2024.05.01',
      _id: id,
      _source: event(id, new Date(ms).toISOString()),
      sort: [ms, id],
    });

    it('searches a page with search_after and says where the next one starts', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: {
            total: { value: 10_000, relation: 'gte' },
            hits: [hit('e9', 9000), hit('e8', 8000), hit('e7', 7000)],
          },
        },
      });
      const result = await store.search({
        tenant: 'acme',
        query: parseQuery('log.level:error AND NOT refused'),
        range,
        size: 2,
        order: 'desc',
        searchAfter: [10_000, 'e10'],
      });

      expect(es.requests[0].body).toEqual({
        query: {
          bool: {
            filter: [...scope, { term: { '@logwarden.string.log.level': 'error' } }],
            must_not: [{ term: { '@logwarden.text': 'refused' } }],
          },
        },
        sort: [{ '@timestamp': { order: 'desc' } }, { 'event.id': { order: 'desc' } }],
        size: 3,
        track_total_hits: 10_000,
        search_after: [10_000, 'e10'],
      });
      expect(result).toEqual({
        total: 10_000,
        totalRelation: 'gte',
        hits: [hit('e9', 9000)._source, hit('e8', 8000)._source],
        next: [8000, 'e8'],
      });
    });

    it('fails rather than answer from some shards only', async () => {
      es.route({
        'POST /test-events-*/_search': { hits: { total: { value: 0, relation: 'eq' }, hits: [] } },
      });
      const request = { tenant: 'acme', query: parseQuery(''), range };
      await store.search({ ...request, size: 1, order: 'asc' });
      await store.histogram({ ...request, intervalMs: 1000 });
      await store.getByIds('acme', ['e1'], range);
      expect(es.requests.map((r) => r.querystring)).toEqual(
        Array(3).fill({ allow_partial_search_results: 'false' }),
      );
    });

    it('answers the last page without a next', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: { total: { value: 1, relation: 'eq' }, hits: [hit('e1', 1000)] },
        },
      });
      const result = await store.search({
        tenant: 'acme',
        query: parseQuery(''),
        range,
        size: 2,
        order: 'asc',
      });
      expect(es.requests[0].body).toMatchObject({ query: { bool: { filter: scope } }, size: 3 });
      expect(es.requests[0].body.search_after).toBeUndefined();
      expect(result).toEqual({
        total: 1,
        totalRelation: 'eq',
        hits: [hit('e1', 1000)._source],
        next: undefined,
      });
    });

    it('retries a search Elasticsearch pushed back', async () => {
      es.route({
        'POST /test-events-*/_search': [
          failure(429, 'es_rejected_execution_exception'),
          { hits: { total: { value: 0, relation: 'eq' }, hits: [] } },
        ],
      });
      const result = await store.search({
        tenant: 'acme',
        query: parseQuery(''),
        range,
        size: 10,
        order: 'asc',
      });
      expect(result.total).toBe(0);
      expect(es.requests).toHaveLength(2);
    });

    it('counts events per interval with a date histogram of non-empty buckets', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: { hits: [] },
          aggregations: {
            histogram: {
              buckets: [
                { key: 60_000, key_as_string: '1970-01-01T00:01:00.000Z', doc_count: 3 },
                { key: 180_000, key_as_string: '1970-01-01T00:03:00.000Z', doc_count: 1 },
              ],
            },
          },
        },
      });
      const buckets = await store.histogram({
        tenant: 'acme',
        query: parseQuery('service.name:api'),
        range,
        intervalMs: 60_000,
      });
      expect(es.requests[0].body).toEqual({
        query: {
          bool: { filter: [...scope, { term: { '@logwarden.string.service.name': 'api' } }] },
        },
        aggs: {
          histogram: {
            date_histogram: { field: '@timestamp', fixed_interval: '60000ms', min_doc_count: 1 },
          },
        },
        size: 0,
        track_total_hits: false,
      });
      expect(buckets).toEqual([
        { key: 60_000, count: 3 },
        { key: 180_000, count: 1 },
      ]);
    });

    it('answers no buckets when no daily index exists yet', async () => {
      es.route({ 'POST /test-events-*/_search': { hits: { hits: [] } } });
      const request = { tenant: 'acme', query: parseQuery(''), range };
      expect(await store.histogram({ ...request, intervalMs: 1000 })).toEqual([]);
      expect(await store.terms({ ...request, field: 'user.name', size: 5 })).toEqual([]);
    });

    it('merges the terms of every value type of the field', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: { hits: [] },
          aggregations: {
            number: { buckets: [{ key: 404, doc_count: 2 }] },
            boolean: { buckets: [{ key: 1, key_as_string: 'true', doc_count: 7 }] },
            string: {
              buckets: [
                { key: 'b', doc_count: 2 },
                { key: 'a', doc_count: 2 },
                { key: 'c', doc_count: 1 },
              ],
            },
          },
        },
      });
      const buckets = await store.terms({
        tenant: 'acme',
        query: parseQuery(''),
        range,
        field: 'http.response.status_code',
        size: 4,
      });
      const terms = (channel: string) => ({
        terms: {
          field: `@logwarden.${channel}.http.response.status_code`,
          size: 4,
          order: [{ _count: 'desc' }, { _key: 'asc' }],
        },
      });
      expect(es.requests[0].body.aggs).toEqual({
        number: terms('number'),
        boolean: terms('boolean'),
        string: terms('string'),
      });
      expect(buckets).toEqual([
        { value: true, count: 7 },
        { value: 404, count: 2 },
        { value: 'a', count: 2 },
        { value: 'b', count: 2 },
      ]);
    });

    it('aggregates event time on its date field', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: { hits: [] },
          aggregations: { time: { buckets: [{ key: 1000, doc_count: 1 }] } },
        },
      });
      const buckets = await store.terms({
        tenant: 'acme',
        query: parseQuery(''),
        range,
        field: '@timestamp',
        size: 3,
      });
      expect(es.requests[0].body.aggs).toEqual({
        time: {
          terms: { field: '@timestamp', size: 3, order: [{ _count: 'desc' }, { _key: 'asc' }] },
        },
      });
      expect(buckets).toEqual([{ value: 1000, count: 1 }]);
    });

    it('finds events by id within the tenant and range', async () => {
      es.route({
        'POST /test-events-*/_search': { hits: { hits: [hit('e1', 1000), hit('e2', 2000)] } },
      });
      expect(await store.getByIds('acme', ['e1', 'e2', 'gone'], range)).toEqual([
        hit('e1', 1000)._source,
        hit('e2', 2000)._source,
      ]);
      expect(es.requests[0].body).toEqual({
        query: { bool: { filter: [...scope, { terms: { 'event.id': ['e1', 'e2', 'gone'] } }] } },
        sort: [{ '@timestamp': { order: 'asc' } }, { 'event.id': { order: 'asc' } }],
        size: 10_000,
        track_total_hits: false,
      });
      expect(await store.getByIds('acme', [], range)).toEqual([]);
      expect(es.requests).toHaveLength(1);
    });

    it('pages through every combination of values and keeps the most recently seen', async () => {
      const page = (keys: object[], after?: object) => ({
        hits: { hits: [] },
        aggregations: {
          combinations: {
            ...(after && { after_key: after }),
            buckets: keys.map((key, i) => ({
              key,
              doc_count: 1,
              first: { value: 100 + i },
              last: { value: 200 + i },
            })),
          },
        },
      });
      const key = (tenant: string, name: unknown, port: unknown) => ({
        tenant,
        v0_number: null,
        v0_boolean: null,
        v0_string: name,
        v1_number: port,
        v1_boolean: null,
        v1_string: null,
      });
      const full = Array.from({ length: 1000 }, (_, i) => key('acme', `u${i}`, i));
      es.route({
        'POST /test-events-*/_search': [
          page(full, { tenant: 'acme', v0_string: 'u999' }),
          page([key('beta', null, null), { ...key('beta', 'x', null), v1_boolean: true }]),
        ],
      });
      const found = await store.distinctValues({
        query: parseQuery('event.outcome:failure'),
        range,
        fields: ['user.name', 'destination.port'],
        limit: 3,
      });

      const sources = (i: number, field: string) =>
        ['number', 'boolean', 'string'].map((channel) => ({
          [`v${i}_${channel}`]: {
            terms: { field: `@logwarden.${channel}.${field}`, missing_bucket: true },
          },
        }));
      expect(es.requests[0].body).toEqual({
        query: {
          bool: {
            filter: [scope[1], { term: { '@logwarden.string.event.outcome': 'failure' } }],
          },
        },
        aggs: {
          combinations: {
            composite: {
              size: 1000,
              sources: [
                { tenant: { terms: { field: 'tenant' } } },
                ...sources(0, 'user.name'),
                ...sources(1, 'destination.port'),
              ],
            },
            aggs: {
              first: { min: { field: '@timestamp' } },
              last: { max: { field: '@timestamp' } },
            },
          },
        },
        size: 0,
        track_total_hits: false,
      });
      expect(es.requests[1].body.aggs.combinations.composite.after).toEqual({
        tenant: 'acme',
        v0_string: 'u999',
      });
      expect(found).toEqual([
        { tenant: 'acme', values: ['u999', 999], firstSeen: 1099, lastSeen: 1199 },
        { tenant: 'acme', values: ['u998', 998], firstSeen: 1098, lastSeen: 1198 },
        { tenant: 'acme', values: ['u997', 997], firstSeen: 1097, lastSeen: 1197 },
      ]);
    });

    it('reads a number, a boolean or a string, whichever the value is', async () => {
      es.route({
        'POST /test-events-*/_search': {
          hits: { hits: [] },
          aggregations: {
            combinations: {
              buckets: [
                {
                  key: { tenant: 'acme', v0_number: 22, v0_boolean: null, v0_string: null },
                  first: { value: 1 },
                  last: { value: 3 },
                },
                {
                  key: { tenant: 'acme', v0_number: null, v0_boolean: false, v0_string: null },
                  first: { value: 1 },
                  last: { value: 2 },
                },
                {
                  key: { tenant: 'acme', v0_number: null, v0_boolean: null, v0_string: null },
                  first: { value: 1 },
                  last: { value: 1 },
                },
              ],
            },
          },
        },
      });
      const found = await store.distinctValues({
        query: parseQuery(''),
        range,
        fields: ['x'],
        limit: 10,
      });
      expect(found.map((combination) => combination.values)).toEqual([[22], [false], [null]]);
    });
  });

  it('leaves retention to the lifecycle policy', async () => {
    expect(await store.deleteOlderThan(Date.now(), 1000)).toBe(0);
    expect(es.requests).toHaveLength(0);
  });

  it('is ready while Elasticsearch answers pings, and measures its indices once a minute', async () => {
    es.route({
      'HEAD /': [failure(503, 'unavailable'), '', ''],
      'GET /test-events-*/_stats/store': { _all: { total: { store: { size_in_bytes: 42 } } } },
    });
    await store.checkHealth(0);
    expect([store.isReady(), store.sizeBytes()]).toEqual([false, 0]);
    await store.checkHealth(5_000);
    expect([store.isReady(), store.sizeBytes()]).toEqual([true, 42]);
    await store.checkHealth(10_000);
    expect(es.calls()).toEqual(['HEAD /', 'HEAD /', 'GET /test-events-*/_stats/store', 'HEAD /']);
  });
});

describe('elasticsearchEventStoreProviders', () => {
  it('provides the store once initialized, reports its state, and stops it at shutdown', async () => {
    const es = new FakeElasticsearch();
    es.route({
      'GET /_ilm/policy/test-events': failure(404, 'resource_not_found_exception'),
      'PUT /_ilm/policy/test-events': { acknowledged: true },
      'GET /_index_template/test-events': failure(404, 'resource_not_found_exception'),
      'PUT /_index_template/test-events': { acknowledged: true },
      'HEAD /': '',
      'GET /test-events-*/_stats/store': { _all: { total: { store: { size_in_bytes: 4096 } } } },
    });
    const CLIENT = Symbol('client');
    const config = {
      elasticsearch: { url: 'http://localhost:9200', ...SETTINGS },
      retentionDays: 7,
    } as unknown as LogwardenConfig;
    const module = await Test.createTestingModule({
      providers: [
        { provide: CLIENT, useValue: es.client },
        { provide: CONFIG, useValue: config },
        Metrics,
        Readiness,
        ...elasticsearchEventStoreProviders(CLIENT),
      ],
    }).compile();
    await module.init();

    const store = module.get<ElasticsearchEventStore>(EVENT_STORE);
    expect(store).toBeInstanceOf(ElasticsearchEventStore);
    expect(es.calls()).toContain('PUT /_index_template/test-events');
    expect(module.get(Readiness).report()).toEqual({ ready: true, checks: { store: 'ok' } });
    const size = await module
      .get(Metrics)
      .registry.getSingleMetricAsString('logwarden_store_size_bytes');
    expect(size).toContain('logwarden_store_size_bytes 4096');

    const close = jest.spyOn(store, 'close');
    await module.close();
    expect(close).toHaveBeenCalled();
  });
});
