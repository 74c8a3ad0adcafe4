import { Logger } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import { compileMatcher, parseQuery, type QueryNode } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { QUERY_CASES, QUERY_EVENTS, QUERY_NOW, randomQueries } from '../testing/query-cases';
import type { SortValues } from '../event-store.port';
import { ElasticsearchEventStore } from './elasticsearch-event-store';

const url = process.env.ELASTICSEARCH_URL;
const describeOnElasticsearch = url ? describe : describe.skip;
const ALL_TIME = { from: 0, to: Number.MAX_SAFE_INTEGER };
const EVENTS = QUERY_EVENTS as unknown as EcsEvent[];

const idOf = (event: { event: unknown }) => (event.event as { id: string }).id;
const sorted = (ids: string[]) => [...ids].sort();

/**
 * The query table against a real Elasticsearch: the events of the table are appended
 * through the store, and every query must find exactly what the in-memory matcher finds.
 * Run it with `docker compose up -d elasticsearch`, then
 * `ELASTICSEARCH_URL=http://localhost:9200 npx jest libs/store`.
 */
describeOnElasticsearch(
  url
    ? `ElasticsearchEventStore on ${url.replace(/\/\/[^@/]*@/, '//***@')}`
    : 'ElasticsearchEventStore on a real Elasticsearch (skipped: ELASTICSEARCH_URL is not set)',
  () => {
    const prefix = `logwarden-conformance-${process.pid}-${Date.now()}`;
    const pattern = `${prefix}-events-*`;
    let client: Client;
    let store: ElasticsearchEventStore;

    const search = async (query: QueryNode, tenant = 'acme') => {
      const result = await store.search({
        tenant,
        query,
        range: ALL_TIME,
        size: 100,
        order: 'asc',
      });
      return result.hits.map(idOf);
    };

    beforeAll(async () => {
      Logger.overrideLogger(false);
      client = new Client({ node: url });
      // Retention far beyond the table's 2024 events, so ILM leaves their indices alone.
      store = new ElasticsearchEventStore(client, {
        indexPrefix: prefix,
        shards: 1,
        replicas: 0,
        retentionDays: 36_500,
      });
      await store.init();
      const result = await store.append(EVENTS);
      expect(result).toMatchObject({ stored: EVENTS.length, duplicates: 0, failed: [] });
      await client.indices.refresh({ index: pattern });
    }, 120_000);

    afterAll(async () => {
      store?.close();
      await client?.indices.delete({ index: pattern }, { ignore: [404] });
      await client?.indices.deleteIndexTemplate({ name: `${prefix}-events` }, { ignore: [404] });
      await client?.ilm.deleteLifecycle({ name: `${prefix}-events` }, { ignore: [404] });
      await client?.close();
    });

    it('is ready once initialized, and initializing again changes nothing', async () => {
      expect(store.isReady()).toBe(true);
      const again = new ElasticsearchEventStore(client, {
        indexPrefix: prefix,
        shards: 1,
        replicas: 0,
        retentionDays: 36_500,
      });
      await again.init();
      again.close();
    });

    it.each(QUERY_CASES)('%s matches %j', async (query, expected) => {
      expect(sorted(await search(parseQuery(query, { now: QUERY_NOW })))).toEqual(sorted(expected));
    });

    it('agrees with the in-memory matcher on hundreds of random queries', async () => {
      for (const query of randomQueries(7, 400)) {
        const node = parseQuery(query, { now: QUERY_NOW });
        const expected = QUERY_EVENTS.filter(compileMatcher(node)).map((e) => idOf(e as EcsEvent));
        expect([query, sorted(await search(node))]).toEqual([query, sorted(expected)]);
      }
    }, 120_000);

    it('stores a replay as duplicates', async () => {
      const replay = await store.append(EVENTS);
      expect(replay).toEqual({
        stored: 0,
        duplicates: EVENTS.length,
        fresh: EVENTS.map(() => false),
        failed: [],
      });
    });

    it('pages in time order without losing or repeating an event', async () => {
      const seen: string[] = [];
      let searchAfter: SortValues | undefined;
      do {
        const page = await store.search({
          tenant: 'acme',
          query: parseQuery(''),
          range: ALL_TIME,
          size: 3,
          order: 'desc',
          searchAfter,
        });
        expect(page.total).toBe(EVENTS.length);
        seen.push(...page.hits.map(idOf));
        searchAfter = page.next;
      } while (searchAfter);
      const byTime = [...EVENTS].sort(
        (a, b) =>
          Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']) || (idOf(b) < idOf(a) ? -1 : 1),
      );
      expect(seen).toEqual(byTime.map(idOf));
    });

    it('counts per day and per value as the events say', async () => {
      const request = { tenant: 'acme', query: parseQuery(''), range: ALL_TIME };
      expect(await store.histogram({ ...request, intervalMs: 86_400_000 })).toEqual([
        { key: Date.parse('2024-04-30T00:00:00Z'), count: 1 },
        { key: Date.parse('2024-05-01T00:00:00Z'), count: 18 },
        { key: Date.parse('2024-05-02T00:00:00Z'), count: 1 },
      ]);
      expect(
        await store.terms({ ...request, field: 'http.response.status_code', size: 3 }),
      ).toEqual([
        { value: 200, count: 1 },
        { value: 401, count: 1 },
        { value: 403, count: 1 },
      ]);
      expect(await store.getByIds('acme', ['e3', 'e1', 'nope'], ALL_TIME)).toEqual([
        EVENTS[0],
        EVENTS[2],
      ]);
    });

    it('keeps tenants apart, even with the same event ids', async () => {
      const other = { ...EVENTS[0], tenant: 'other' } as EcsEvent;
      expect(await store.append([other])).toMatchObject({ stored: 1, fresh: [true] });
      await client.indices.refresh({ index: pattern });
      expect(await search(parseQuery('event.id:e1'), 'other')).toEqual(['e1']);
      expect(await search(parseQuery(''), 'acme')).toHaveLength(EVENTS.length);
    });
  },
);
