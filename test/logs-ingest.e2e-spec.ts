import { gzipSync } from 'node:zlib';
import { RunningLogwarden, startLogwarden } from './support/logwarden';
import { call, ndjson, postLogs, search } from './support/http';

describe('POST /api/v1/logs', () => {
  let server: RunningLogwarden;

  beforeAll(async () => {
    server = await startLogwarden({ maxBodyBytes: 64 * 1024, maxDecodedBytes: 256 * 1024 });
  });
  afterAll(() => server.destroy());

  it('stores an NDJSON batch and makes it searchable as ECS events', async () => {
    const sent = await postLogs(
      server.url,
      ndjson([
        {
          '@timestamp': '2026-11-29T10:00:00.000Z',
          message: 'payment accepted order=1',
          container: { name: 'billing' },
        },
        {
          '@timestamp': '2026-11-29T10:00:01.000Z',
          message: 'payment declined order=2',
          level: 'ERROR',
          container: { name: 'billing' },
        },
      ]),
    );
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ accepted: 2, rejected: 0, errors: [] });

    const found = await search(server.url, { q: 'container.name:billing AND log.level:error' });
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(1);
    const [event] = found.body.hits;
    expect(event.message).toBe('payment declined order=2');
    expect(event['@timestamp']).toBe('2026-11-29T10:00:01.000Z');
    expect(event.log.level).toBe('error');
    expect(event.tenant).toBe('default');
    expect(event.observer.ingest.protocol).toBe('http');
    expect(typeof event.event.id).toBe('string');
    expect(Date.parse(event.event.ingested)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('accepts a single JSON object and a JSON array', async () => {
    const one = await postLogs(server.url, JSON.stringify({ message: 'single object shape-one' }), {
      contentType: 'application/json',
    });
    expect(one.body).toEqual({ accepted: 1, rejected: 0, errors: [] });
    const many = await postLogs(
      server.url,
      JSON.stringify([{ message: 'array shape-two a' }, { message: 'array shape-two b' }]),
      { contentType: 'application/json' },
    );
    expect(many.body).toEqual({ accepted: 2, rejected: 0, errors: [] });
    expect((await search(server.url, { q: 'shape' })).body.total).toBe(3);
    expect((await search(server.url, { q: '"shape one"' })).body.total).toBe(1);
    expect((await search(server.url, { q: '"shape two"' })).body.total).toBe(2);
  });

  it('keeps the good lines of a request and names each bad one', async () => {
    const body = [
      JSON.stringify({ message: 'good line mixedbatch 1' }),
      '{"message": "truncated',
      '42',
      JSON.stringify({ message: 'good line mixedbatch 2' }),
    ].join('\n');
    const sent = await postLogs(server.url, body);
    expect(sent.status).toBe(200);
    expect(sent.body.accepted).toBe(2);
    expect(sent.body.rejected).toBe(2);
    expect(sent.body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2]);
    for (const error of sent.body.errors) expect(error.reason).toEqual(expect.any(String));
    expect((await search(server.url, { q: 'mixedbatch' })).body.total).toBe(2);
  });

  it('answers 400 with the reasons when nothing in the request is valid', async () => {
    const sent = await postLogs(server.url, '[1,2]\n"just a string"\n');
    expect(sent.status).toBe(400);
    expect(sent.body.error).toBe('invalid_events');
    expect(sent.body.rejected).toBe(2);
    const empty = await postLogs(server.url, '');
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('empty_body');
  });

  it('accepts gzip bodies and refuses a corrupt one with 400', async () => {
    const sent = await postLogs(server.url, ndjson([{ message: 'compressed zipped-line' }]), {
      gzip: true,
    });
    expect(sent.body).toEqual({ accepted: 1, rejected: 0, errors: [] });
    expect((await search(server.url, { q: 'zipped' })).body.total).toBe(1);

    const corrupt = gzipSync('{"message":"x"}').subarray(0, 12);
    const refused = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      body: corrupt,
      headers: { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/gzip/i);
  });

  it('refuses bodies over the limit with 413, before and after decompression', async () => {
    const big = ndjson(
      Array.from({ length: 2000 }, (_, i) => ({ message: `line ${i} ${'x'.repeat(40)}` })),
    );
    const raw = await postLogs(server.url, big);
    expect(raw.status).toBe(413);
    expect(raw.body.error).toBe('payload_too_large');

    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 'a'));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const inflated = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      body: bomb,
      headers: { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
    });
    expect(inflated.status).toBe(413);
  });

  it('does not store a retried batch twice', async () => {
    const batch = ndjson([
      { '@timestamp': '2026-11-29T11:00:00.000Z', message: 'retried-batch line' },
      { '@timestamp': '2026-11-29T11:00:00.000Z', message: 'retried-batch line' },
    ]);
    await postLogs(server.url, batch);
    await postLogs(server.url, batch);
    expect((await search(server.url, { q: 'retried' })).body.total).toBe(2);
  });

  it('survives garbage without a 5xx', async () => {
    const bodies: Array<string | Buffer> = [
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      '{',
      '[',
      'null',
      '""',
      '\n\n\n',
      '{"a":'.repeat(5000),
    ];
    for (const body of bodies) {
      const response = await postLogs(server.url, body);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    const unknownEncoding = await call(server.url, '/api/v1/logs', {
      method: 'POST',
      body: '{"message":"x"}',
      headers: { 'Content-Encoding': 'br-unknown' },
    });
    expect(unknownEncoding.status).toBe(415);
    expect((await call(server.url, '/healthz', { key: null })).status).toBe(200);
  });
});

describe('POST /api/v1/logs with a body of many pages', () => {
  let server: RunningLogwarden;

  beforeAll(async () => {
    server = await startLogwarden({ sqliteSynchronous: 'normal' });
  });
  afterAll(() => server.destroy());

  /** Every stored event of the hour, counted exactly (search totals stop at 10,000). */
  async function stored(): Promise<number> {
    const answer = await call(
      server.url,
      '/api/v1/search/histogram?interval=1h&from=2026-11-29T12:00:00Z&to=2026-11-29T13:00:00Z',
    );
    return answer.body.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0);
  }

  it('stores every line of a 25-page body, lines repeated on later pages included, and answers once', async () => {
    const half = Array.from(
      { length: 25_000 },
      (_, i) =>
        `{"@timestamp":"2026-11-29T12:${String(i % 60).padStart(2, '0')}:00Z","message":"line ${i % 10_000}"}`,
    );
    // Each line comes twice, 25,000 lines apart: equal text and time on different pages.
    const body = `${half.join('\n')}\n${half.join('\n')}\n\n`;

    const sent = await postLogs(server.url, body, { gzip: true });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ accepted: 50_000, rejected: 0, errors: [] });
    expect(await stored()).toBe(50_000);

    const retried = await postLogs(server.url, body, { gzip: true });
    expect(retried.body).toEqual({ accepted: 50_000, rejected: 0, errors: [] });
    expect(await stored()).toBe(50_000);
  }, 60_000);
});
