import { RetentionService } from '@logwarden/store';
import { RunningLogwarden, startLogwarden } from './support/logwarden';
import { ndjson, postLogs, search } from './support/http';

describe('retention', () => {
  let server: RunningLogwarden;

  beforeAll(async () => {
    server = await startLogwarden({ retentionDays: 7 });
  });
  afterAll(() => server.destroy());

  it('deletes events older than the retention period, in chunks, and keeps the rest', async () => {
    const now = Date.now();
    const old = Array.from({ length: 4500 }, (_, i) => ({
      '@timestamp': new Date(now - 10 * 86_400_000 + i).toISOString(),
      message: `expired entry ${i}`,
    }));
    const recent = [
      { '@timestamp': new Date(now - 86_400_000).toISOString(), message: 'fresh entry' },
    ];
    expect((await postLogs(server.url, ndjson([...old, ...recent]))).body.accepted).toBe(4501);

    const deleted = await server.app.get(RetentionService).sweep(now);
    expect(deleted).toBe(4500);
    expect((await search(server.url, { q: 'expired' })).body.total).toBe(0);
    expect((await search(server.url, { q: 'entry' })).body.hits.map((e: any) => e.message)).toEqual(
      ['fresh entry'],
    );
    expect(await server.app.get(RetentionService).sweep(now)).toBe(0);
  });
});
