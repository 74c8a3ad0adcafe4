import { ADMIN_KEY, RunningLogwarden, createKey, startLogwarden } from './support/logwarden';
import { call, ndjson, postLogs, search } from './support/http';

describe('API keys and tenants', () => {
  let server: RunningLogwarden;

  beforeAll(async () => {
    server = await startLogwarden();
  });
  afterAll(() => server.destroy());

  it('refuses requests without a valid key with 401', async () => {
    expect((await call(server.url, '/api/v1/search', { key: null })).status).toBe(401);
    const wrong = await call(server.url, '/api/v1/search', { key: 'lw_nope_nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'unauthorized', message: expect.any(String) });
    expect(
      (
        await call(server.url, '/api/v1/search', {
          key: null,
          headers: { Authorization: 'Basic !!!' },
        })
      ).status,
    ).toBe(401);
    expect((await call(server.url, '/healthz', { key: null })).status).toBe(200);
  });

  it('creates a key once, lists keys without secrets, and revokes at once', async () => {
    const created = await call(server.url, '/api/v1/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'filebeat', roles: ['ingest'], tenant: 'team-a' }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'filebeat', roles: ['ingest'], tenant: 'team-a' });
    const { id, key, encoded } = created.body;
    expect(key).toMatch(/^lw_/);

    const listed = await call(server.url, '/api/v1/keys');
    expect(listed.status).toBe(200);
    const entry = listed.body.keys.find((k: { id: string }) => k.id === id);
    expect(entry).toEqual({
      id,
      name: 'filebeat',
      roles: ['ingest'],
      tenant: 'team-a',
      created_at: expect.any(String),
    });
    expect(listed.text).not.toContain(key.slice(-20));
    expect(listed.text).not.toContain(ADMIN_KEY);

    expect((await postLogs(server.url, ndjson([{ message: 'with key' }]), { key })).status).toBe(
      200,
    );
    const viaApiKey = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      key: null,
      headers: { Authorization: `ApiKey ${encoded}` },
      body: ndjson([{ message: 'with ApiKey header' }]),
    });
    expect(viaApiKey.status).toBe(200);
    const [keyId, secret] = Buffer.from(encoded, 'base64').toString().split(':');
    const viaBasic = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      key: null,
      headers: { Authorization: `Basic ${Buffer.from(`${keyId}:${secret}`).toString('base64')}` },
      body: ndjson([{ message: 'with Basic auth' }]),
    });
    expect(viaBasic.status).toBe(200);
    const badSecret = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      key: null,
      headers: { Authorization: `Basic ${Buffer.from(`${keyId}:wrong`).toString('base64')}` },
      body: ndjson([{ message: 'x' }]),
    });
    expect(badSecret.status).toBe(401);

    expect((await call(server.url, `/api/v1/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(
      (await postLogs(server.url, ndjson([{ message: 'after revoke' }]), { key })).status,
    ).toBe(401);
    expect((await call(server.url, `/api/v1/keys/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 403 when the key lacks the role', async () => {
    const ingestOnly = await createKey(server.url, ['ingest']);
    const reader = await createKey(server.url, ['reader']);
    expect((await search(server.url, { q: '' }, ingestOnly)).status).toBe(403);
    expect((await postLogs(server.url, ndjson([{ message: 'x' }]), { key: reader })).status).toBe(
      403,
    );
    expect((await call(server.url, '/api/v1/keys', { key: reader })).status).toBe(403);
    const forbidden = await call(server.url, '/api/v1/keys', { key: ingestOnly });
    expect(forbidden.body).toEqual({
      error: 'forbidden',
      message: expect.stringContaining('admin'),
    });
  });

  it('validates new keys and names the bad field', async () => {
    const post = (body: string) =>
      call(server.url, '/api/v1/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    const badRole = await post(JSON.stringify({ name: 'x', roles: ['superuser'] }));
    expect(badRole.status).toBe(400);
    expect(badRole.body.message).toMatch(/role/);
    const badTenant = await post(
      JSON.stringify({ name: 'x', roles: ['reader'], tenant: 'Bad Tenant!' }),
    );
    expect(badTenant.status).toBe(400);
    expect(badTenant.body.message).toMatch(/tenant/);
    const notJson = await post('{name:');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('invalid_json');
    const noRoles = await post(JSON.stringify({ name: 'x', roles: [] }));
    expect(noRoles.status).toBe(400);
  });

  it('shows each tenant only its own events', async () => {
    const ingestA = await createKey(server.url, ['ingest'], 'tenant-a');
    const ingestB = await createKey(server.url, ['ingest'], 'tenant-b');
    const readerA = await createKey(server.url, ['reader'], 'tenant-a');
    const readerB = await createKey(server.url, ['reader'], 'tenant-b');
    await postLogs(
      server.url,
      ndjson([{ message: 'secret of a isolation-check', tenant: 'tenant-b' }]),
      { key: ingestA },
    );
    await postLogs(server.url, ndjson([{ message: 'secret of b isolation-check' }]), {
      key: ingestB,
    });

    const seenByA = await search(server.url, { q: 'isolation' }, readerA);
    expect(seenByA.body.hits.map((e: { message: string }) => e.message)).toEqual([
      'secret of a isolation-check',
    ]);
    expect(seenByA.body.hits[0].tenant).toBe('tenant-a');
    const seenByB = await search(server.url, { q: 'isolation' }, readerB);
    expect(seenByB.body.hits.map((e: { message: string }) => e.message)).toEqual([
      'secret of b isolation-check',
    ]);
    const termsA = await call(server.url, '/api/v1/search/terms?field=tenant', { key: readerA });
    expect(termsA.body.buckets).toEqual([{ value: 'tenant-a', count: 1 }]);
  });
});
