import { InProcessBus, Topics } from '@logwarden/bus';
import { loadConfig } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import { ElasticsearchService } from './elasticsearch.service';
import { IngestService, PAGE_RECORDS } from './ingest.service';

interface BulkAnswer {
  errors: boolean;
  items: Record<string, { _id?: string; status: number; error?: { type: string } }>[];
}

describe('ElasticsearchService.bulk', () => {
  /** A store that fails the publishes whose 1-based numbers are listed. */
  function setup(failing: number[]) {
    const bus = new InProcessBus();
    let publishes = 0;
    bus.subscribe(Topics.raw, 'store', async () => {
      if (failing.includes(++publishes)) throw new Error('disk full');
    });
    const config = loadConfig({});
    return new ElasticsearchService(new IngestService(bus, config, new Metrics()), config);
  }

  const body = (actions: number) =>
    Buffer.from(
      Array.from(
        { length: actions },
        (_, i) => `{"create":{"_index":"app","_id":"doc-${i}"}}\n{"message":"m ${i}"}\n`,
      ).join(''),
    );

  it('answers 429 for the documents of a page the store failed, keeping the stored pages created', async () => {
    const service = setup([2]);
    const answer = JSON.parse(
      (await service.bulk('t', body(PAGE_RECORDS + 500), undefined)).toString(),
    ) as BulkAnswer;
    expect(answer.errors).toBe(true);
    expect(answer.items).toHaveLength(PAGE_RECORDS + 500);
    const statuses = answer.items.map((item) => item.create.status);
    expect(statuses.slice(0, PAGE_RECORDS).every((status) => status === 201)).toBe(true);
    expect(statuses.slice(PAGE_RECORDS).every((status) => status === 429)).toBe(true);
    expect(answer.items[PAGE_RECORDS].create).toMatchObject({
      _id: `doc-${PAGE_RECORDS}`,
      error: { type: 'es_rejected_execution_exception' },
    });
  });

  it('fails the whole request with 503 when nothing could be stored', async () => {
    const service = setup([1, 2]);
    await expect(service.bulk('t', body(PAGE_RECORDS + 1), undefined)).rejects.toMatchObject({
      status: 503,
    });
  });
});
