import { InProcessBus, Topics } from '@logwarden/bus';
import { loadConfig } from '@logwarden/config';
import { OverloadedError } from '@logwarden/http';
import { Metrics } from '@logwarden/ops';
import type { RawBatch } from '@logwarden/schema';
import { IngestService } from './ingest.service';

const record = (message: string) => ({ data: { message }, raw: JSON.stringify({ message }) });

describe('IngestService', () => {
  function setup(maxPendingEvents: number) {
    const bus = new InProcessBus();
    const metrics = new Metrics();
    const service = new IngestService(bus, { ...loadConfig({}), maxPendingEvents }, metrics);
    const delivered: RawBatch[] = [];
    const releases: Array<() => void> = [];
    bus.subscribe<RawBatch>(Topics.raw, 'test', async (messages) => {
      delivered.push(...messages.map((m) => m.value));
      await new Promise<void>((resolve) => releases.push(resolve));
    });
    return { service, metrics, delivered, release: () => releases.splice(0).forEach((r) => r()) };
  }

  it('acknowledges only after the pipeline has the events, stamped with tenant and protocol', async () => {
    const { service, delivered, release } = setup(100);
    let acknowledged = false;
    const submitted = service
      .submit('team-a', 'http', [record('one')])
      .then(() => (acknowledged = true));
    await new Promise((resolve) => setImmediate(resolve));
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
  });

  it('refuses with OverloadedError while too many events are pending, and recovers', async () => {
    const { service, metrics, release } = setup(3);
    const first = service.submit('t', 'http', [record('a'), record('b')]);
    await expect(service.submit('t', 'http', [record('c'), record('d')])).rejects.toBeInstanceOf(
      OverloadedError,
    );
    release();
    await first;
    const later = service.submit('t', 'http', [record('e'), record('f')]);
    release();
    await later;
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'logwarden_ingest_rejections_total{protocol="http",reason="overloaded"} 2',
    );
    expect(text).toContain('logwarden_ingest_events_total{protocol="http",outcome="accepted"} 4');
  });

  it('takes a batch larger than the limit when nothing else is pending', async () => {
    const { service, release } = setup(2);
    const big = service.submit('t', 'http', [record('a'), record('b'), record('c')]);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(big).resolves.toBeUndefined();
  });

  it('answers 503 when the pipeline fails, so the shipper retries', async () => {
    const bus = new InProcessBus();
    bus.subscribe(Topics.raw, 'failing', () => Promise.reject(new Error('disk full')));
    const service = new IngestService(bus, loadConfig({}), new Metrics());
    await expect(service.submit('t', 'http', [record('a')])).rejects.toMatchObject({ status: 503 });
  });
});
