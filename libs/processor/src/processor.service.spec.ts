import { InProcessBus, Topics } from '@logwarden/bus';
import { Metrics } from '@logwarden/ops';
import type { EcsEvent, RawBatch } from '@logwarden/schema';
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

/** A store's answer to three events: the first stored, the second a duplicate, the third refused. */
function refusingThird(events: EcsEvent[]): AppendResult {
  return {
    stored: 1,
    duplicates: 1,
    fresh: [true, false, false],
    failed: [
      { index: 2, event: events[2], reason: 'mapper_parsing_exception: failed to parse [labels]' },
    ],
  };
}

describe('ProcessorService', () => {
  it('passes fresh events on, and sets events the store refused aside with the reason', async () => {
    // The embedded store replays by position: the detector catches up on duplicates itself.
    const bus = new InProcessBus();
    const store = {
      append: (events: EcsEvent[]) =>
        Promise.resolve({ ...refusingThird(events), positions: [7, 0, 0] }),
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
    const store = {
      append: (events: EcsEvent[]) => Promise.resolve(refusingThird(events)),
    } as unknown as EventStore;
    const processor = new ProcessorService(bus, store, new Metrics());
    const passed: unknown[] = [];
    bus.subscribe(Topics.events, 'test', async (messages) => {
      passed.push(...messages.map((m) => (m.value as { message: string }).message));
    });

    await processor.process([{ key: 'acme', value: batch(['new', 'stored before', 'refused']) }]);

    expect(passed).toEqual(['new', 'stored before']);
  });

  it('publishes only the events a consumer wants, and tells it how far the others went', async () => {
    const bus = new InProcessBus();
    const appended: EcsEvent[][] = [];
    const store = {
      append: (events: EcsEvent[]) => {
        appended.push(events);
        return Promise.resolve({
          stored: 4,
          duplicates: 1,
          fresh: [true, true, false, true, true],
          positions: [11, 12, 0, 13, 14],
        });
      },
      readAfter: () => Promise.resolve([]),
    } as unknown as EventStore;
    const notes: [number, number | undefined][] = [];
    const interest = {
      wants: (event: EcsEvent) => event.message?.startsWith('Failed password') ?? false,
      passedOver: (count: number, position: number | undefined) => {
        notes.push([count, position]);
        return Promise.resolve();
      },
    };
    const processor = new ProcessorService(bus, store, new Metrics(), interest);
    const passed: unknown[] = [];
    bus.subscribe(Topics.events, 'test', async (messages) => {
      passed.push(...messages.map((m) => [(m.value as { message: string }).message, m.position]));
    });

    await processor.process([
      {
        key: 'acme',
        value: batch(['GET / 200', 'Failed password for root', 'GET / 200', 'GET /a 200', 'x']),
      },
    ]);

    // Every event is stored; the three fresh ones nobody wants are only counted, the duplicate not even that.
    expect(appended[0]).toHaveLength(5);
    expect(passed).toEqual([['Failed password for root', 12]]);
    expect(notes).toEqual([[3, 14]]);
  });
});
