import { RunningLogwarden, startLogwarden } from './support/logwarden';
import { call, ndjson, postLogs } from './support/http';

describe('health and metrics', () => {
  let server: RunningLogwarden;

  beforeAll(async () => {
    server = await startLogwarden();
  });
  afterAll(() => server.destroy());

  it('reports liveness and readiness without a key', async () => {
    expect((await call(server.url, '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await call(server.url, '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { bus: 'ok', store: 'ok' } });
  });

  it('exports ingest counts, commit latency and store size in Prometheus format', async () => {
    await postLogs(server.url, ndjson([{ message: 'counted' }, { message: 'counted too' }]));
    await postLogs(server.url, '{"message": "ok"}\nnot json\n');
    const response = await call(server.url, '/metrics', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = response.text;
    expect(text).toContain('logwarden_ingest_events_total{protocol="http",outcome="accepted"} 3');
    expect(text).toContain('logwarden_ingest_events_total{protocol="http",outcome="rejected"} 1');
    expect(text).toMatch(/logwarden_store_batch_commit_seconds_count \d+/);
    expect(text).toMatch(/logwarden_store_size_bytes [1-9]\d*/);
    expect(text).toContain('logwarden_process_resident_memory_bytes');
  });

  it("answers unknown routes with a 404 in the caller's dialect", async () => {
    const api = await call(server.url, '/api/v1/nope');
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ error: 'not_found', message: expect.any(String) });
  });
});
