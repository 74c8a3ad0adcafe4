import { RunningLogwarden, createKey, startLogwarden } from './support/logwarden';
import { call, ndjson, postLogs, search } from './support/http';

const BASE = Date.parse('2026-11-29T12:00:00.000Z');

/** 300 events, one per second, over three containers with HTTP fields. */
function fixture(): Record<string, unknown>[] {
  return Array.from({ length: 300 }, (_, i) => ({
    '@timestamp': new Date(BASE + i * 1000).toISOString(),
    message:
      i % 10 === 0 ? `request failed with timeout number ${i}` : `request served number ${i}`,
    container: { name: ['api', 'worker', 'admin-ui'][i % 3] },
    http: { response: { status_code: [200, 404, 503][i % 3] } },
    user: { name: i % 2 ? 'alice' : 'admin' },
    labels: { env: i < 150 ? 'prod' : 'staging' },
  }));
}

describe('GET /api/v1/search', () => {
  let server: RunningLogwarden;
  let reader: string;

  beforeAll(async () => {
    server = await startLogwarden();
    expect((await postLogs(server.url, ndjson(fixture()))).body.accepted).toBe(300);
    reader = await createKey(server.url, ['reader']);
  });
  afterAll(() => server.destroy());

  const total = async (q: string) => {
    const response = await search(server.url, { q }, reader);
    expect(response.status).toBe(200);
    return response.body.total as number;
  };

  it('evaluates the query language', async () => {
    expect(await total('')).toBe(300);
    expect(await total('container.name:api')).toBe(100);
    expect(await total('container.name:api AND http.response.status_code:200')).toBe(100);
    expect(await total('container.name:api AND NOT http.response.status_code:200')).toBe(0);
    expect(await total('http.response.status_code:[400 TO 599]')).toBe(200);
    expect(await total('http.response.status_code:>=500')).toBe(100);
    expect(await total('user.name:adm*')).toBe(150);
    expect(await total('container.name:admin*')).toBe(100);
    expect(await total('timeout')).toBe(30);
    expect(await total('"failed with timeout"')).toBe(30);
    expect(await total('"timeout failed"')).toBe(0);
    expect(await total('timeout AND container.name:worker')).toBe(10);
    expect(
      await total('(container.name:api OR container.name:worker) AND labels.env:staging'),
    ).toBe(100);
    expect(await total('labels.env:*')).toBe(300);
    expect(await total('nosuchfield:*')).toBe(0);
    expect(await total('serv*')).toBe(270);
  });

  it('filters by time with ISO bounds and date math', async () => {
    const range = await search(
      server.url,
      { from: '2026-11-29T12:00:10Z', to: '2026-11-29T12:00:20Z' },
      reader,
    );
    expect(range.body.total).toBe(10);
    expect(range.body.hits[0]['@timestamp']).toBe('2026-11-29T12:00:19.000Z');
    const recent = await search(server.url, { from: 'now-15m' }, reader);
    expect(recent.body.total).toBe(0);
    const bad = await search(server.url, { from: 'yesterday-ish' }, reader);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('yesterday-ish');
  });

  it('pages with a cursor without skipping or repeating, newest first by default', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params: Record<string, string | number> = {
        size: 70,
        q: 'container.name:api OR container.name:worker',
      };
      if (cursor) params.cursor = cursor;
      const page = await search(server.url, params, reader);
      expect(page.status).toBe(200);
      seen.push(...page.body.hits.map((e: { message: string }) => e.message));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(200);
    expect(new Set(seen).size).toBe(200);
    const times = seen.map((message) => Number(message.split(' ').pop()));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const ascending = await search(server.url, { size: 2, sort: '@timestamp:asc' }, reader);
    expect(ascending.body.hits.map((e: { message: string }) => e.message)).toEqual([
      'request failed with timeout number 0',
      'request served number 1',
    ]);
    const next = await search(server.url, { size: 2, cursor: ascending.body.next_cursor }, reader);
    expect(next.body.hits.map((e: { message: string }) => e.message)).toEqual([
      'request served number 2',
      'request served number 3',
    ]);
  });

  it('pages through one container in either order, newest or oldest first', async () => {
    const api = Array.from({ length: 100 }, (_, i) => 3 * i);
    for (const [sort, expected] of [
      ['@timestamp:desc', [...api].reverse()],
      ['@timestamp:asc', api],
    ] as const) {
      const seen: number[] = [];
      let params: Record<string, string | number> = { q: 'container.name:api', size: 30, sort };
      for (let pages = 0; pages < 10; pages++) {
        const page = await search(server.url, params, reader);
        expect(page.body.total).toBe(100);
        seen.push(
          ...page.body.hits.map((e: { message: string }) => Number(e.message.split(' ').pop())),
        );
        if (!page.body.next_cursor) break;
        params = { q: 'container.name:api', cursor: page.body.next_cursor };
      }
      expect(seen).toEqual(expected);
    }
  });

  it('finds the events of a container days apart in a search with no time bounds', async () => {
    const ingest = await createKey(server.url, ['ingest'], 'spread');
    const spreadReader = await createKey(server.url, ['reader'], 'spread');
    const days = [0, 1, 3, 40, 400];
    const events = days.flatMap((day) => [
      {
        '@timestamp': new Date(BASE - day * 86_400_000).toISOString(),
        message: `db day ${day}`,
        container: { name: 'db' },
      },
      {
        '@timestamp': new Date(BASE - day * 86_400_000 + 1).toISOString(),
        message: `cache day ${day}`,
        container: { name: 'cache' },
      },
    ]);
    expect((await postLogs(server.url, ndjson(events), { key: ingest })).body.accepted).toBe(10);
    for (const sort of ['@timestamp:desc', '@timestamp:asc']) {
      const found = await search(
        server.url,
        { q: 'container.name:db', size: 3, sort },
        spreadReader,
      );
      expect(found.body.total).toBe(5);
      const order = sort.endsWith('desc') ? days : [...days].reverse();
      expect(found.body.hits.map((e: { message: string }) => e.message)).toEqual(
        order.slice(0, 3).map((day) => `db day ${day}`),
      );
      const rest = await search(
        server.url,
        { q: 'container.name:db', cursor: found.body.next_cursor },
        spreadReader,
      );
      expect(rest.body.hits.map((e: { message: string }) => e.message)).toEqual(
        order.slice(3).map((day) => `db day ${day}`),
      );
    }
  });

  it('answers 400 naming the position of a malformed query', async () => {
    const response = await search(server.url, { q: 'container.name:api AND (' }, reader);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_query');
    expect(typeof response.body.position).toBe('number');
    expect(response.body.message).toMatch(/position \d+/);
    expect((await search(server.url, { size: 0 }, reader)).status).toBe(400);
    expect((await search(server.url, { size: 10001 }, reader)).status).toBe(400);
    expect((await search(server.url, { cursor: 'garbage' }, reader)).status).toBe(400);
    expect((await search(server.url, { sort: 'message:asc' }, reader)).status).toBe(400);
  });

  it('counts events per interval', async () => {
    const response = await call(
      server.url,
      '/api/v1/search/histogram?interval=1m&from=2026-11-29T12:00:00Z&to=2026-11-29T12:06:00Z&q=container.name:api',
      { key: reader },
    );
    expect(response.status).toBe(200);
    expect(response.body.interval_ms).toBe(60_000);
    expect(response.body.buckets).toEqual([
      { key: '2026-11-29T12:00:00.000Z', key_ms: BASE, count: 20 },
      { key: '2026-11-29T12:01:00.000Z', key_ms: BASE + 60_000, count: 20 },
      { key: '2026-11-29T12:02:00.000Z', key_ms: BASE + 120_000, count: 20 },
      { key: '2026-11-29T12:03:00.000Z', key_ms: BASE + 180_000, count: 20 },
      { key: '2026-11-29T12:04:00.000Z', key_ms: BASE + 240_000, count: 20 },
      { key: '2026-11-29T12:05:00.000Z', key_ms: BASE + 300_000, count: 0 },
    ]);
    const bad = await call(server.url, '/api/v1/search/histogram?interval=0s', { key: reader });
    expect(bad.status).toBe(400);
  });

  it('lists the top values of a field', async () => {
    const response = await call(
      server.url,
      '/api/v1/search/terms?field=http.response.status_code&q=timeout',
      { key: reader },
    );
    expect(response.status).toBe(200);
    expect(response.body.buckets).toEqual([
      { value: 200, count: 10 },
      { value: 404, count: 10 },
      { value: 503, count: 10 },
    ]);
    const containers = await call(server.url, '/api/v1/search/terms?field=container.name&size=2', {
      key: reader,
    });
    expect(containers.body.buckets).toHaveLength(2);
    expect(containers.body.buckets[0].count).toBe(100);
    const missing = await call(server.url, '/api/v1/search/terms', { key: reader });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/field/);
  });
});
