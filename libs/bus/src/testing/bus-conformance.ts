import { setTimeout as sleep } from 'node:timers/promises';
import { Bus, BusMessage, SubscribeOptions, Topics } from '../bus.port';

/** One bus as a process sees it, from opening until it closes. */
export interface BusUnderTest {
  bus: Bus;
  /** What the application does at bootstrap, after the modules subscribed. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface BusConformanceOptions {
  /**
   * True where delivery happens inside `publish` (the embedded bus): a failing handler rejects
   * the publish, and the publisher's retry is the redelivery. A broker acknowledges a publish
   * once it stored the messages and redelivers from the consumer side instead.
   */
  failedHandlerRejectsPublish: boolean;
  /**
   * Why the bus keeps neither messages nor consumer progress across a close and a reopen, when
   * it does not; the tests that need it are then skipped, with this reason in their name.
   */
  notDurable?: string;
  /** How long a test waits for a delivery; a broker needs seconds for a group to join. */
  timeoutMs?: number;
}

/** What the suite publishes: `tag` tells this test's messages from others on a shared topic. */
interface Probe {
  tag: string;
  n: number;
}

let runs = 0;

/**
 * The behaviour every implementation of the bus port must share, declared as Jest tests.
 * `open` answers a bus on the same storage each time: for a broker, the same topics (tests
 * use fresh group names and tell their own messages by a tag, so earlier messages on a topic
 * do not matter); for the embedded bus, a fresh one.
 */
export function describeBusConformance(
  name: string,
  open: () => Promise<BusUnderTest>,
  options: BusConformanceOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const durable = options.notDurable === undefined ? it : it.skip;
  const durableTitle = (title: string) =>
    options.notDurable === undefined ? title : `${title} — skipped: ${options.notDurable}`;

  describe(`${name} conformance`, () => {
    let opened: BusUnderTest[] = [];
    let tag = '';

    beforeEach(() => {
      runs += 1;
      tag = `t${Date.now().toString(36)}${runs}`;
    });

    afterEach(async () => {
      const closing = opened;
      opened = [];
      for (const instance of closing) await instance.close();
    });

    async function openBus(): Promise<BusUnderTest> {
      const instance = await open();
      opened.push(instance);
      return instance;
    }

    async function closeBus(instance: BusUnderTest): Promise<void> {
      opened = opened.filter((other) => other !== instance);
      await instance.close();
    }

    /** Subscribes a group that keeps this test's messages, in the order it got them. */
    function record(instance: BusUnderTest, group: string, subscribe: SubscribeOptions = {}) {
      const received: BusMessage<Probe>[] = [];
      const subscription = instance.bus.subscribe<Probe>(
        Topics.events,
        `${tag}-${group}`,
        async (messages) => {
          received.push(...mine(messages));
        },
        subscribe,
      );
      return { received, subscription };
    }

    function mine(messages: BusMessage<unknown>[]): BusMessage<Probe>[] {
      return messages.filter(
        (message): message is BusMessage<Probe> =>
          typeof message.value === 'object' &&
          message.value !== null &&
          (message.value as Partial<Probe>).tag === tag,
      );
    }

    function probes(keyed: [key: string, n: number][]): BusMessage<Probe>[] {
      return keyed.map(([key, n]) => ({ key, value: { tag, n } }));
    }

    async function until(what: string, done: () => boolean): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms: ${what}`);
        await sleep(10);
      }
    }

    const numbers = (messages: BusMessage<Probe>[]) => messages.map((message) => message.value.n);

    it(
      'delivers every published message, key and value intact, to every group',
      async () => {
        const instance = await openBus();
        const audit = record(instance, 'audit');
        const index = record(instance, 'index');
        await instance.start();

        const published = probes([
          ['acme/web-1', 1],
          ['acme/db-1', 2],
          ['globex/web-1', 3],
        ]);
        await instance.bus.publish(Topics.events, published);

        for (const group of [audit, index]) {
          await until('both groups got all three', () => group.received.length >= 3);
          const got = group.received
            .map(({ key, value }) => ({ key, value }))
            .sort((a, b) => a.value.n - b.value.n);
          expect(got).toEqual(published);
        }
      },
      timeoutMs * 4,
    );

    it(
      'keeps the publish order of each key across many publishes',
      async () => {
        const instance = await openBus();
        const detector = record(instance, 'detector');
        await instance.start();

        const keys = ['acme/web-1', 'acme/web-2', 'globex/db-1', 'initech/host-7'];
        const published: BusMessage<Probe>[] = [];
        for (let publish = 0; publish < 25; publish++) {
          const batch = Array.from({ length: 8 }, (_, i): [string, number] => [
            keys[(publish + i) % keys.length],
            published.length + i,
          ]);
          const messages = probes(batch);
          await instance.bus.publish(Topics.events, messages);
          published.push(...messages);
        }

        await until('every message delivered', () => detector.received.length >= published.length);
        expect(detector.received).toHaveLength(published.length);
        const ofKey = (messages: BusMessage<Probe>[], key: string) =>
          numbers(messages.filter((message) => message.key === key));
        for (const key of keys) {
          expect(ofKey(detector.received, key)).toEqual(ofKey(published, key));
        }
      },
      timeoutMs * 4,
    );

    it(
      'delivers again what a failing handler was given (at least once)',
      async () => {
        const instance = await openBus();
        const attempts: number[][] = [];
        const stored: number[] = [];
        instance.bus.subscribe<Probe>(Topics.events, `${tag}-store`, async (messages) => {
          const ours = mine(messages);
          if (ours.length === 0) return;
          attempts.push(numbers(ours));
          if (attempts.length <= 2) throw new Error('disk full');
          stored.push(...numbers(ours));
        });
        await instance.start();

        const message = probes([['acme/web-1', 7]]);
        if (options.failedHandlerRejectsPublish) {
          await expect(instance.bus.publish(Topics.events, message)).rejects.toThrow('disk full');
          await expect(instance.bus.publish(Topics.events, message)).rejects.toThrow('disk full');
        }
        await instance.bus.publish(Topics.events, message);

        await until('the message stored', () => stored.length > 0);
        expect(attempts).toEqual([[7], [7], [7]]);
        expect(stored).toEqual([7]);
      },
      timeoutMs * 4,
    );

    durable(
      durableTitle('keeps what was published before a group first started, for that group'),
      async () => {
        const producer = await openBus();
        await producer.start();
        const published = probes([
          ['acme/web-1', 1],
          ['acme/web-1', 2],
        ]);
        await producer.bus.publish(Topics.events, published);
        await closeBus(producer);

        const consumer = await openBus();
        const late = record(consumer, 'late');
        await consumer.start();
        await until('the earlier messages delivered', () => late.received.length >= 2);
        expect(numbers(late.received)).toEqual([1, 2]);
      },
      timeoutMs * 4,
    );

    durable(
      durableTitle('auto-commit: a group resumes after what it handled before a restart'),
      async () => {
        const first = await openBus();
        const before = record(first, 'processor');
        await first.start();
        await first.bus.publish(Topics.events, probes([['acme/web-1', 1]]));
        await until('the first message handled', () => before.received.length > 0);
        await closeBus(first);

        const second = await openBus();
        const after = record(second, 'processor');
        await second.start();
        // Same key, so the same partition: a redelivered message 1 would come first.
        await second.bus.publish(Topics.events, probes([['acme/web-1', 2]]));
        await until('the second message handled', () => after.received.length > 0);
        expect(numbers(after.received)).toEqual([2]);
      },
      timeoutMs * 4,
    );

    durable(
      durableTitle('manual commit: redelivers what was not committed, and not what was'),
      async () => {
        const manual = { autoCommit: false };
        const first = await openBus();
        const uncommitted = record(first, 'detector', manual);
        await first.start();
        await first.bus.publish(Topics.events, probes([['acme/web-1', 1]]));
        await until('the first delivery', () => uncommitted.received.length > 0);
        await closeBus(first);

        const second = await openBus();
        const redelivered = record(second, 'detector', manual);
        await second.start();
        await until('the redelivery', () => redelivered.received.length > 0);
        expect(numbers(redelivered.received)).toEqual([1]);
        await redelivered.subscription.commit();
        await closeBus(second);

        const third = await openBus();
        const committed = record(third, 'detector', manual);
        await third.start();
        await third.bus.publish(Topics.events, probes([['acme/web-1', 2]]));
        await until('the next message', () => committed.received.length > 0);
        expect(numbers(committed.received)).toEqual([2]);
      },
      timeoutMs * 4,
    );
  });
}
