import { InProcessBus, Topics } from '@logwarden/bus';
import { loadConfig } from '@logwarden/config';
import { OverloadedError } from '@logwarden/http';
import { Metrics } from '@logwarden/ops';
import type { RawBatch, RawRecord } from '@logwarden/schema';
import { IngestService } from './ingest.service';

const record = (message: string) => ({ data: { message }, raw: JSON.stringify({ message }) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('IngestService', () => {
  function setup(limits: { maxPendingBytes?: number; maxPendingEvents?: number } = {}) {
    const bus = new InProcessBus();
    const metrics = new Metrics();
    const service = new IngestService(bus, { ...loadConfig({}), ...limits }, metrics);
    const delivered: RawBatch[] = [];
    const releases: Array<() => void> = [];
    bus.subscribe<RawBatch>(Topics.raw, 'test', async (messages) => {
      delivered.push(...messages.map((m) => m.value));
      await new Promise<void>((resolve) => releases.push(resolve));
    });
    return { service, metrics, delivered, release: () => releases.splice(0).forEach((r) => r()) };
  }

  /** Stores one page through a fresh request, closing it afterwards. */
  async function store(service: IngestService, bytes: number, records: RawRecord[]) {
    const request = service.admit('t', 'http', bytes);
    try {
      await request.submit(records);
    } finally {
      request.close();
    }
  }

  it('acknowledges only after the pipeline has the events, stamped with tenant and protocol', async () => {
    const { service, delivered, release } = setup();
    const request = service.admit('team-a', 'http', 100);
    let acknowledged = false;
    const submitted = request.submit([record('one')]).then(() => (acknowledged = true));
    await settle();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      tenant: 'team-a',
      protocol: 'http',
      records: [record('one')],
    });
    expect(acknowledged).toBe(false);
    release();
    await submitted;
    expect(acknowledged).toBe(true);
    request.close();
  });

  it('answers 429 to a request that would take the weight in flight over the budget, and takes it once idle', async () => {
    const { service, metrics, release } = setup({ maxPendingBytes: 1000 });
    const first = store(service, 600, [record('a')]);
    expect(() => service.admit('t', 'http', 600)).toThrow(OverloadedError);
    const small = store(service, 400, [record('b')]);
    await settle();
    release();
    await Promise.all([first, small]);

    const later = store(service, 600, [record('c')]);
    await settle();
    release();
    await later;
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'logwarden_ingest_rejections_total{protocol="http",reason="overloaded"} 1',
    );
    expect(text).toContain('logwarden_ingest_events_total{protocol="http",outcome="accepted"} 3');
  });

  it('takes a request larger than the budget when nothing else is in flight', async () => {
    const { service, release } = setup({ maxPendingBytes: 1000 });
    const big = store(service, 5000, [record('a')]);
    await settle();
    expect(() => service.admit('t', 'http', 1)).toThrow(OverloadedError);
    release();
    await expect(big).resolves.toBeUndefined();
    expect(() => service.admit('t', 'http', 1).close()).not.toThrow();
  });

  it("reads an admitted request's next page only once the pending events leave room, never refusing it", async () => {
    const { service, delivered, release } = setup({ maxPendingEvents: 3 });
    const read: string[] = [];
    function* source(name: string) {
      for (let n = 1; n <= 2; n++) {
        read.push(`${name}${n}`);
        yield { records: [record(`${name}${n}-x`), record(`${name}${n}-y`)] };
      }
    }
    async function send(name: string) {
      const request = service.admit('t', 'http', 10);
      try {
        for await (const next of request.pages(source(name))) await request.submit(next.records);
      } finally {
        request.close();
      }
    }

    const a = send('a');
    const b = send('b');
    await settle();
    expect(read).toEqual(['a1']);
    expect(delivered.map((batch) => batch.records.length)).toEqual([2]);
    for (let i = 0; i < 4; i++) {
      release();
      await settle();
    }
    await Promise.all([a, b]);
    expect(read.sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(delivered.flatMap((batch) => batch.records.map((r) => r.data.message)).sort()).toEqual([
      'a1-x',
      'a1-y',
      'a2-x',
      'a2-y',
      'b1-x',
      'b1-y',
      'b2-x',
      'b2-y',
    ]);
  });

  it('stamps every page of a request with the one time it was received', async () => {
    const { service, delivered, release } = setup();
    const request = service.admit('t', 'http', 10);
    const first = request.submit([record('a')]);
    await settle();
    release();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = request.submit([record('b')]);
    await settle();
    release();
    await second;
    request.close();
    expect(delivered).toHaveLength(2);
    expect(delivered[1].receivedAt).toBe(delivered[0].receivedAt);
  });

  it('answers 503 when the pipeline fails, so the shipper retries', async () => {
    const bus = new InProcessBus();
    bus.subscribe(Topics.raw, 'failing', () => Promise.reject(new Error('disk full')));
    const service = new IngestService(bus, loadConfig({}), new Metrics());
    await expect(store(service, 10, [record('a')])).rejects.toMatchObject({ status: 503 });
  });
});
