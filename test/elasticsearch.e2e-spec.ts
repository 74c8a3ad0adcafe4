import { Client } from '@elastic/elasticsearch';
import { gzipSync } from 'node:zlib';
import { RunningLogwarden, createKey, startLogwarden } from './support/logwarden';
import { call, search } from './support/http';

describe('Elasticsearch compatibility', () => {
  let server: RunningLogwarden;
  let ingestKey: string;
  let encoded: string;

  beforeAll(async () => {
    server = await startLogwarden();
    ingestKey = await createKey(server.url, ['ingest'], 'default', 'beats');
    const created = await call(server.url, '/api/v1/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'es-client', roles: ['ingest'] }),
    });
    encoded = created.body.encoded;
  });
  afterAll(() => server.destroy());

  it('answers the startup probes as Elasticsearch 8 does', async () => {
    const root = await call(server.url, '/', { key: ingestKey });
    expect(root.status).toBe(200);
    expect(root.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(root.body.version.number).toMatch(/^8\./);
    expect(root.body.tagline).toBe('You Know, for Search');

    const head = await fetch(`${server.url}/`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${ingestKey}` },
    });
    expect(head.status).toBe(200);

    const license = await call(server.url, '/_license?human=false', { key: ingestKey });
    expect(license.body.license).toMatchObject({ type: 'basic', status: 'active' });
    expect(license.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect((await call(server.url, '/_cluster/health', { key: ingestKey })).body.status).toBe(
      'green',
    );
    expect((await call(server.url, '/_cat/health', { key: ingestKey })).status).toBe(200);
    expect((await call(server.url, '/_xpack', { key: ingestKey })).body.license.status).toBe(
      'active',
    );
    expect((await call(server.url, '/_nodes/http', { key: ingestKey })).body.nodes).toEqual({});
  });

  it('installs index templates and ILM policies the way shippers expect', async () => {
    const probe = await fetch(`${server.url}/_index_template/filebeat-8.19.0`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${ingestKey}` },
    });
    expect(probe.status).toBe(404);
    const template = { index_patterns: ['filebeat-8.19.0'], data_stream: {}, priority: 150 };
    const put = await call(server.url, '/_index_template/filebeat-8.19.0', {
      method: 'PUT',
      key: ingestKey,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(template),
    });
    expect(put.body).toEqual({ acknowledged: true });
    const got = await call(server.url, '/_index_template/filebeat-8.19.0', { key: ingestKey });
    expect(got.body).toEqual({
      index_templates: [{ name: 'filebeat-8.19.0', index_template: template }],
    });

    expect((await call(server.url, '/_ilm/policy/filebeat', { key: ingestKey })).status).toBe(404);
    const policy = { policy: { phases: { hot: { actions: {} } } } };
    await call(server.url, '/_ilm/policy/filebeat', {
      method: 'PUT',
      key: ingestKey,
      body: JSON.stringify(policy),
    });
    const gotPolicy = await call(server.url, '/_ilm/policy/filebeat', { key: ingestKey });
    expect(gotPolicy.body.filebeat.policy).toEqual(policy.policy);
  });

  it('works with the official client and helpers.bulk, unchanged', async () => {
    const client = new Client({ node: server.url, auth: { apiKey: encoded } });
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
    const docs = Array.from({ length: 500 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 10, 29, 9, 0, i % 60)).toISOString(),
      message: `helper bulk document ${i}`,
      service: { name: 'checkout' },
    }));
    const result = await client.helpers.bulk({
      datasource: docs,
      onDocument: () => ({ create: { _index: 'logs-checkout-default' } }),
      flushBytes: 20_000,
    });
    expect(result.total).toBe(500);
    expect(result.successful).toBe(500);
    expect(result.failed).toBe(0);
    await client.close();

    const found = await search(server.url, { q: 'service.name:checkout AND helper', size: 1 });
    expect(found.body.total).toBe(500);
    expect(found.body.hits[0].event.dataset).toBe('logs-checkout-default');
  });

  it('answers a Filebeat-style gzip bulk with per-item statuses, keeping the good items', async () => {
    const body =
      [
        '{"create":{"_index":"filebeat-8.19.0"}}',
        '{"@timestamp":"2026-11-29T08:00:00.000Z","message":"beat line one","host":{"name":"node-1"}}',
        '{"create":{"_index":"filebeat-8.19.0","_type":"_doc"}}',
        '{"message": broken json}',
        '{"index":{"_index": "system","_type":"events"}}',
        '{"message":"rsyslog style line two","host":{"name":"node-1"}}',
      ].join('\n') + '\n';
    const response = await call(
      server.url,
      '/_bulk?filter_path=errors,items.*.error,items.*.status',
      {
        method: 'POST',
        key: null,
        headers: {
          Authorization: `ApiKey ${encoded}`,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        },
        body: gzipSync(body),
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(response.text).toMatch(/^\{"took":\d+,"errors":true,"items":\[/);
    const statuses = response.body.items.map(
      (item: Record<string, { status: number }>) => Object.entries(item)[0],
    );
    expect(
      statuses.map(([action, value]: [string, { status: number }]) => [action, value.status]),
    ).toEqual([
      ['create', 201],
      ['create', 400],
      ['index', 201],
    ]);
    expect(response.body.items[1].create.error.type).toEqual(expect.any(String));
    const found = await search(server.url, { q: 'host.name:node-1' });
    expect(found.body.total).toBe(2);
  });

  it('uses the URL index as the default and accepts single documents', async () => {
    const bulk = await call(server.url, '/app-logs/_bulk', {
      method: 'POST',
      key: ingestKey,
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: '{"index":{}}\n{"message":"url index default"}\n',
    });
    expect(bulk.text).toMatch(/^\{"took":\d+,"errors":false,"items":\[/);
    const single = await call(server.url, '/system/events', {
      method: 'POST',
      key: ingestKey,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'rsyslog single document', fromhost: 'web-3' }),
    });
    expect(single.status).toBe(201);
    expect(single.body).toMatchObject({
      _index: 'system',
      result: 'created',
      _id: expect.any(String),
    });
    expect(single.body.status).toBeUndefined();
    const datasets = await call(
      server.url,
      `/api/v1/search/terms?field=event.dataset&q=${encodeURIComponent('"url index default" OR "rsyslog single document"')}`,
    );
    expect(datasets.body.buckets).toEqual([
      { value: 'app-logs', count: 1 },
      { value: 'system', count: 1 },
    ]);
  });

  it('answers a bulk of several pages item by item, in order, with its ids, and stores it once', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      // Client ids on every seventh action; the other documents repeat every 2,000, a page apart.
      lines.push(i % 7 === 0 ? `{"index":{"_id":"client-${i}"}}` : '{"create":{"_index":"paged"}}');
      const second = String((i % 2_000) % 60).padStart(2, '0');
      lines.push(
        i === 4_321
          ? '{"message": broken}'
          : `{"@timestamp":"2026-11-29T06:00:${second}.000Z","message":"paged bulk ${i % 2_000}"}`,
      );
    }
    const send = () =>
      call(server.url, '/_bulk', {
        method: 'POST',
        key: ingestKey,
        headers: { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
        body: gzipSync(`${lines.join('\n')}\n`),
      });
    const response = await send();
    expect(response.status).toBe(200);
    const items = response.body.items.map(
      (item: Record<string, { _id?: string; status: number }>) => Object.entries(item)[0],
    );
    expect(items).toHaveLength(5_000);
    items.forEach(([action, result]: [string, { _id?: string; status: number }], i: number) => {
      expect(action).toBe(i % 7 === 0 ? 'index' : 'create');
      expect(result.status).toBe(i === 4_321 ? 400 : 201);
      if (i % 7 === 0) expect(result._id).toBe(`client-${i}`);
    });
    const ids = items.map(([, result]: [string, { _id?: string }]) => result._id);
    expect(new Set(ids.filter(Boolean)).size).toBe(4_999);

    const stored = async () => {
      const answer = await call(
        server.url,
        '/api/v1/search/histogram?interval=1h&from=2026-11-29T06:00:00Z&to=2026-11-29T07:00:00Z',
      );
      return answer.body.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0);
    };
    expect(await stored()).toBe(4_999);
    const last = await search(server.url, { q: `event.id:"${ids[4_999]}"` });
    expect(last.body.hits.map((hit: { message: string }) => hit.message)).toEqual([
      `paged bulk ${4_999 % 2_000}`,
    ]);

    const retried = await send();
    expect(retried.body.items).toEqual(response.body.items);
    expect(await stored()).toBe(4_999);
  });

  it('fails a malformed action line as Elasticsearch does, with a 400 it can explain', async () => {
    const response = await call(server.url, '/_bulk', {
      method: 'POST',
      key: ingestKey,
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: '{"index":{}}\n{"message":"a"}\nnot an action\n{"message":"b"}\n',
    });
    expect(response.status).toBe(400);
    expect(response.body.status).toBe(400);
    expect(response.body.error.type).toEqual(expect.any(String));
    expect(response.body.error.reason).toEqual(expect.any(String));
  });

  it('answers without a key with an Elasticsearch-shaped 401', async () => {
    const response = await call(server.url, '/_bulk', {
      method: 'POST',
      key: null,
      body: '{"index":{}}\n{}\n',
    });
    expect(response.status).toBe(401);
    expect(response.body.error.type).toBe('security_exception');
    expect(response.headers.get('www-authenticate')).toContain('ApiKey');
  });
});
