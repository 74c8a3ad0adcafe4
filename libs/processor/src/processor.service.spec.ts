import { InProcessBus, Topics } from '@logwarden/bus';
import { Metrics } from '@logwarden/ops';
import type { RawBatch } from '@logwarden/schema';
import type { AppendResult, EventStore } from '@logwarden/store';
import { DeadLetter, ProcessorService } from './processor.service';

function batch(messages: string[]): RawBatch {
  return {
    tenant: 'acme',
    protocol: 'http',
    receivedAt: Date.parse('2026-11-29T12:00:00Z'),
    records: messages.map((message) => ({ data: { message }, raw: JSON.stringify({ message }) })),
  };
}

describe('ProcessorService', () => {
  it('passes fresh events on, and sets events the store refused aside with the reason', async () => {
    // The embedded store replays by position: the detector catches up on duplicates itself.
    const bus = new InProcessBus();
    const result: AppendResult = {
      stored: 1,
      duplicates: 1,
      fresh: [true, false, false],
      positions: [7, 0, 0],
      failed: [{ index: 2, reason: 'mapper_parsing_exception: failed to parse [labels]' }],
    };
    const store = {
      append: () => Promise.resolve(result),
      readAfter: () => Promise.resolve([]),
    } as unknown as EventStore;
    const metrics = new Metrics();
    const processor = new ProcessorService(bus, store, metrics);
    const passed: unknown[] = [];
    const letters: DeadLetter[] = [];
    bus.subscribe(Topics.events, 'test', async (messages) => {
      passed.push(...messages.map((m) => [(m.value as { message: string }).message, m.position]));
    });
    bus.subscribe<DeadLetter>(Topics.deadLetter, 'test', async (messages) => {
      letters.push(...messages.map((m) => m.value));
    });

    await processor.process([{ key: 'acme', value: batch(['new', 'replayed', 'refused']) }]);

    expect(passed).toEqual([['new', 7]]);
    expect(letters).toEqual([
      {
        reason: 'mapper_parsing_exception: failed to parse [labels]',
        event: expect.objectContaining({ message: 'refused', tenant: 'acme' }),
      },
    ]);
    expect(
      await metrics.registry.getSingleMetricAsString('logwarden_store_rejected_events_total'),
    ).toContain('logwarden_store_rejected_events_total 1');
  });

  it('publishes duplicates again when the store cannot replay by position', async () => {
    const bus = new InProcessBus();
    const result: AppendResult = {
      stored: 1,
      duplicates: 1,
      fresh: [true, false, false],
      failed: [{ index: 2, reason: 'mapper_parsing_exception: failed to parse [labels]' }],
    };
    const store = { append: () => Promise.resolve(result) } as unknown as EventStore;
    const processor = new ProcessorService(bus, store, new Metrics());
    const passed: unknown[] = [];
    bus.subscribe(Topics.events, 'test', async (messages) => {
      passed.push(...messages.map((m) => (m.value as { message: string }).message));
    });

    await processor.process([{ key: 'acme', value: batch(['new', 'stored before', 'refused']) }]);

    expect(passed).toEqual(['new', 'stored before']);
  });
});
