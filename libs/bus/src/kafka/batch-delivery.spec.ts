import { setTimeout as sleep } from 'node:timers/promises';
import type { BusMessage } from '../bus.port';
import { record } from '../testing/fake-kafka';
import { BatchControl, DeadLetter, DeliveryPolicy, deliverBatch } from './batch-delivery';
import type { IncomingRecord } from './kafka-codec';

interface Event {
  n: number;
}

const POLICY: DeliveryPolicy = {
  chunkSize: 100,
  retries: 2,
  backoffMs: 100,
  maxBackoffMs: 1_000,
  heartbeatEveryMs: 10_000,
};

/** A consumer's side of one batch, recording every call the delivery makes on it. */
function control(overrides: Partial<BatchControl> = {}) {
  const trace = {
    calls: [] as string[],
    resolved: [] as string[],
    chunksDone: [] as string[],
    letters: [] as DeadLetter[],
    sleeps: [] as number[],
    warnings: [] as string[],
    heartbeats: 0,
  };
  const batch: BatchControl = {
    resolveOffset: (offset) => {
      trace.resolved.push(offset);
      trace.calls.push(`resolve ${offset}`);
    },
    heartbeat: async () => {
      trace.heartbeats += 1;
      trace.calls.push('heartbeat');
    },
    chunkDone: async (offset) => {
      trace.chunksDone.push(offset);
      trace.calls.push(`done ${offset}`);
    },
    deadLetter: async (letters) => {
      trace.letters.push(...letters);
      trace.calls.push(`dead-letter ${letters.map((letter) => letter.record.offset).join(',')}`);
    },
    isRunning: () => true,
    isStale: () => false,
    sleep: async (ms) => {
      trace.sleeps.push(ms);
    },
    warn: (message) => trace.warnings.push(message),
    ...overrides,
  };
  return { batch, trace };
}

const events = (count: number, from = 0): IncomingRecord[] =>
  Array.from({ length: count }, (_, i) =>
    record(from + i, `acme/web-${(from + i) % 2}`, { n: from + i }),
  );

const numbers = (messages: BusMessage<Event>[]) => messages.map((message) => message.value.n);

/** A handler that fails on any call containing one of `poison`, recording every call. */
function handler(poison: number[] = []) {
  const calls: number[][] = [];
  const handled: number[] = [];
  const handle = async (messages: BusMessage<Event>[]) => {
    calls.push(numbers(messages));
    const bad = messages.find((message) => poison.includes(message.value.n));
    if (bad) throw new Error(`cannot index event ${bad.value.n}`);
    handled.push(...numbers(messages));
  };
  return { calls, handled, handle };
}

describe('deliverBatch', () => {
  it('hands the batch over in chunks, resolving, committing and heartbeating after each', async () => {
    const { batch, trace } = control();
    const subscriber = handler();
    await deliverBatch(3, events(5), subscriber.handle, batch, { ...POLICY, chunkSize: 2 });

    expect(subscriber.calls).toEqual([[0, 1], [2, 3], [4]]);
    expect(trace.calls).toEqual([
      'resolve 0',
      'resolve 1',
      'done 1',
      'heartbeat',
      'resolve 2',
      'resolve 3',
      'done 3',
      'heartbeat',
      'resolve 4',
      'done 4',
      'heartbeat',
    ]);
  });

  it('decodes key, value, partition, offset and position', async () => {
    const { batch } = control();
    const received: BusMessage<Event>[] = [];
    const positioned = {
      ...record(9, 'acme/db-1', { n: 9 }),
      headers: { 'logwarden-position': '42' },
    };
    await deliverBatch(
      4,
      [record(8, 'acme/web-1', { n: 8 }), positioned],
      async (messages: BusMessage<Event>[]) => {
        received.push(...messages);
      },
      batch,
      POLICY,
    );
    expect(received).toEqual([
      { key: 'acme/web-1', value: { n: 8 }, partition: 4, offset: 8 },
      { key: 'acme/db-1', value: { n: 9 }, partition: 4, offset: 9, position: 42 },
    ]);
  });

  it('retries a failing chunk with growing waits and heartbeats, then moves on', async () => {
    const { batch, trace } = control();
    let failures = 2;
    const calls: number[][] = [];
    await deliverBatch(
      0,
      events(3),
      async (messages: BusMessage<Event>[]) => {
        calls.push(numbers(messages));
        if (failures-- > 0) throw new Error('store unavailable');
      },
      batch,
      POLICY,
    );

    expect(calls).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(trace.sleeps).toEqual([100, 200]);
    expect(trace.heartbeats).toBe(3);
    expect(trace.letters).toEqual([]);
    expect(trace.resolved).toEqual(['0', '1', '2']);
  });

  it('hands each retry the messages as decoded, not as the failed call left them', async () => {
    const { batch } = control();
    const seen: number[][] = [];
    let failures = 1;
    await deliverBatch(
      0,
      events(2),
      async (messages: BusMessage<Event>[]) => {
        seen.push(numbers(messages));
        // A handler owns its messages, as the processor does when it normalizes records in place.
        for (const message of messages) message.value.n = -1;
        if (failures-- > 0) throw new Error('store unavailable');
      },
      batch,
      POLICY,
    );

    expect(seen).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('splits a chunk that keeps failing and dead-letters the message that fails alone', async () => {
    const { batch, trace } = control();
    const subscriber = handler([5]);
    await deliverBatch(0, events(8), subscriber.handle, batch, POLICY);

    expect(subscriber.handled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(trace.letters.map((letter) => letter.record.offset)).toEqual(['5']);
    expect(trace.letters[0].error).toBe('cannot index event 5');
    expect(trace.letters[0].record.key?.toString()).toBe('acme/web-1');
    // Dead-lettered before any offset is resolved, so the partition moves on only past durable work.
    expect(trace.calls.indexOf('dead-letter 5')).toBeLessThan(trace.calls.indexOf('resolve 0'));
    expect(trace.resolved).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    // The whole chunk three times, then halves tried once each: no retries while splitting.
    expect(subscriber.calls.slice(0, 3)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 4, 5, 6, 7],
    ]);
    expect(subscriber.calls.slice(3)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [4, 5],
      [4],
      [5],
      [6, 7],
    ]);
  });

  it('dead-letters every poison message of a chunk, in offset order', async () => {
    const { batch, trace } = control();
    const subscriber = handler([1, 6]);
    await deliverBatch(0, events(8), subscriber.handle, batch, POLICY);

    expect(trace.letters.map((letter) => letter.record.offset)).toEqual(['1', '6']);
    expect(subscriber.handled.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5, 7]);
  });

  it('dead-letters a lone message once its retries are spent', async () => {
    const { batch, trace } = control();
    const subscriber = handler([0]);
    await deliverBatch(0, events(1), subscriber.handle, batch, POLICY);

    expect(subscriber.calls).toEqual([[0], [0], [0]]);
    expect(trace.letters.map((letter) => letter.record.offset)).toEqual(['0']);
    expect(trace.resolved).toEqual(['0']);
  });

  it('dead-letters records it cannot decode without handing them over', async () => {
    const { batch, trace } = control();
    const subscriber = handler();
    const garbled = { offset: '1', key: Buffer.from('acme/web-1'), value: Buffer.from('{"n":') };
    const tombstone = { offset: '2', key: Buffer.from('acme/web-1'), value: null };
    await deliverBatch(
      0,
      [record(0, 'k', { n: 0 }), garbled, tombstone],
      subscriber.handle,
      batch,
      POLICY,
    );

    expect(subscriber.calls).toEqual([[0]]);
    expect(trace.letters.map((letter) => [letter.record.offset, letter.error])).toEqual([
      ['1', expect.stringContaining('the value is not JSON')],
      ['2', 'the record has no value'],
    ]);
    expect(trace.resolved).toEqual(['0', '1', '2']);
  });

  it('dead-letters nothing when every message fails on its own, and tries again until it works', async () => {
    let down = true;
    let outages = 0;
    const { batch, trace } = control({
      sleep: async (ms) => {
        // The store comes back during the second wait between rounds.
        if (ms === POLICY.maxBackoffMs && ++outages === 2) down = false;
      },
    });
    const handled: number[] = [];
    await deliverBatch(
      0,
      events(4),
      async (messages: BusMessage<Event>[]) => {
        if (down) throw new Error('connect ECONNREFUSED');
        handled.push(...numbers(messages));
      },
      batch,
      POLICY,
    );

    expect(trace.letters).toEqual([]);
    expect(handled).toEqual([0, 1, 2, 3]);
    expect(trace.warnings).toHaveLength(2);
    expect(trace.warnings[0]).toContain('all 4 messages from offset 0 fail');
    expect(trace.resolved).toEqual(['0', '1', '2', '3']);
  });

  it('leaves the rest unresolved when the consumer stops while waiting to retry', async () => {
    let running = true;
    const { batch, trace } = control({
      isRunning: () => running,
      sleep: async () => {
        running = false;
      },
    });
    const subscriber = handler([3]);
    await deliverBatch(0, events(4), subscriber.handle, batch, { ...POLICY, chunkSize: 2 });

    expect(subscriber.calls).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(trace.resolved).toEqual(['0', '1']);
    expect(trace.letters).toEqual([]);
  });

  it('keeps the group informed while a handler call runs long', async () => {
    const { batch, trace } = control();
    await deliverBatch(
      0,
      events(1),
      async () => {
        await sleep(120);
      },
      batch,
      { ...POLICY, heartbeatEveryMs: 20 },
    );
    // One after the chunk; the rest while the handler ran.
    expect(trace.heartbeats).toBeGreaterThanOrEqual(4);
  });

  it('lets a rebalance reported by a heartbeat through once the chunk is resolved', async () => {
    const rebalancing = Object.assign(new Error('The group is rebalancing'), {
      type: 'REBALANCE_IN_PROGRESS',
    });
    const { batch, trace } = control({
      heartbeat: () => Promise.reject(rebalancing),
    });
    const subscriber = handler();
    await expect(
      deliverBatch(
        0,
        events(4),
        async (messages: BusMessage<Event>[]) => {
          await sleep(30);
          await subscriber.handle(messages);
        },
        batch,
        { ...POLICY, chunkSize: 2, heartbeatEveryMs: 5 },
      ),
    ).rejects.toBe(rebalancing);

    // The heartbeats failing during the call did not fail the call.
    expect(subscriber.calls).toEqual([[0, 1]]);
    expect(trace.resolved).toEqual(['0', '1']);
    expect(trace.chunksDone).toEqual(['1']);
  });
});
