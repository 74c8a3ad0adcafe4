import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { CompressionTypes } from 'kafkajs';
import type { KafkaSettings } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import { Assignment, BusMessage, Topics } from '../bus.port';
import { FakeKafka, record } from '../testing/fake-kafka';
import { KafkaBus, KafkaBusOptions } from './kafka-bus';
import { DEAD_LETTER_HEADERS } from './kafka-codec';

const SETTINGS: KafkaSettings = {
  brokers: ['kafka-1:9092', 'kafka-2:9092'],
  clientId: 'logwarden-processor',
  topics: {
    raw: 'prod-logs.raw',
    events: 'prod-logs.events',
    alerts: 'prod-alerts',
    deadLetter: 'prod-logs.dead-letter',
  },
  partitions: 12,
  replicationFactor: 3,
};

interface Event {
  n: number;
}

describe('KafkaBus on a fake kafkajs client', () => {
  const buses: KafkaBus[] = [];

  beforeAll(() => Logger.overrideLogger(false));

  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.stop();
  });

  function open(options: KafkaBusOptions = {}) {
    const kafka = new FakeKafka();
    const bus = new KafkaBus(SETTINGS, {
      createClient: kafka.factory,
      delivery: { retries: 1, backoffMs: 1, maxBackoffMs: 5 },
      ...options,
    });
    buses.push(bus);
    return { kafka, bus, producer: kafka.producers[0] };
  }

  /** The detector's manual-commit subscription, started, and its consumer. */
  async function manualDetector() {
    const { kafka, bus } = open();
    const subscription = bus.subscribe(Topics.events, 'detector', async () => undefined, {
      autoCommit: false,
    });
    await bus.start();
    return { kafka, bus, subscription, consumer: kafka.consumerOf('prod-logs.events.detector') };
  }

  async function until(what: string, done: () => boolean): Promise<void> {
    for (let waited = 0; !done(); waited += 5) {
      if (waited > 2_000) throw new Error(`still waiting: ${what}`);
      await sleep(5);
    }
  }

  it('needs at least one broker', () => {
    expect(() => new KafkaBus({ ...SETTINGS, brokers: [] })).toThrow('KAFKA_BROKERS');
  });

  it('connects as the configured client through one idempotent producer', () => {
    const { kafka, producer } = open();
    expect(kafka.config).toMatchObject({
      clientId: 'logwarden-processor',
      brokers: SETTINGS.brokers,
    });
    expect(kafka.producers).toHaveLength(1);
    expect(producer.config).toMatchObject({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  });

  it('creates the missing topics, dead-letter topic included, with the configured layout', async () => {
    const { kafka, bus } = open();
    kafka.topics.add('prod-logs.raw');
    await bus.start();
    expect(kafka.created).toEqual(
      ['prod-logs.events', 'prod-alerts', 'prod-logs.dead-letter'].map((topic) => ({
        topic,
        numPartitions: 12,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      })),
    );
  });

  it('lets a topic with fewer than three replicas take writes with one broker down', async () => {
    const kafka = new FakeKafka();
    const bus = new KafkaBus(
      { ...SETTINGS, replicationFactor: 2 },
      { createClient: kafka.factory },
    );
    buses.push(bus);
    await bus.start();
    expect(kafka.created[0].configEntries).toEqual([{ name: 'min.insync.replicas', value: '1' }]);
  });

  it('creates nothing when every topic exists', async () => {
    const { kafka, bus } = open();
    for (const topic of Object.values(SETTINGS.topics)) kafka.topics.add(topic);
    await bus.start();
    expect(kafka.created).toEqual([]);
  });

  it('publishes a list in one send, keys as given, awaiting every in-sync replica', async () => {
    const { bus, producer } = open();
    await bus.start();
    await bus.publish(Topics.events, [
      { key: 'acme/web-1', value: { n: 1 } },
      { key: 'acme/db-1', value: { n: 2 }, position: 77 },
      { key: 'acme/web-1', value: { n: 3 } },
    ]);
    expect(producer.sends).toEqual([
      {
        topic: 'prod-logs.events',
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [
          { key: 'acme/web-1', value: '{"n":1}' },
          { key: 'acme/db-1', value: '{"n":2}', headers: { 'logwarden-position': '77' } },
          { key: 'acme/web-1', value: '{"n":3}' },
        ],
      },
    ]);
  });

  it('maps each bus topic to its configured name and refuses others', async () => {
    const { bus, producer } = open();
    await bus.start();
    await bus.publish(Topics.raw, [{ key: 'acme', value: {} }]);
    await bus.publish(Topics.alerts, [{ key: 'acme/rule', value: {} }]);
    await bus.publish(Topics.deadLetter, [{ key: 'acme', value: {} }]);
    expect(producer.sends.map((send) => send.topic)).toEqual([
      'prod-logs.raw',
      'prod-alerts',
      'prod-logs.dead-letter',
    ]);
    await expect(bus.publish('logs.other', [{ key: 'k', value: {} }])).rejects.toThrow(
      '"logs.other" is not a bus topic',
    );
  });

  it('sends nothing for an empty list', async () => {
    const { bus, producer } = open();
    await bus.start();
    await bus.publish(Topics.events, []);
    expect(producer.sends).toEqual([]);
  });

  it('rejects a publish Kafka did not acknowledge', async () => {
    const { bus, producer } = open({ publishTimeoutMs: 30 });
    await expect(bus.publish(Topics.raw, [{ key: 'acme', value: {} }])).rejects.toThrow(
      'not connected',
    );
    await bus.start();
    producer.outcomes.push(new Error('The request included a message larger than the max'));
    await expect(bus.publish(Topics.raw, [{ key: 'acme', value: {} }])).rejects.toThrow(
      'larger than the max',
    );
    producer.outcomes.push('hang');
    await expect(bus.publish(Topics.raw, [{ key: 'acme', value: {} }])).rejects.toThrow(
      'Kafka did not acknowledge within 30 ms',
    );
  });

  it('runs one consumer per topic and group that resolves offsets itself, from the earliest for a new group', async () => {
    const { kafka, bus } = open();
    bus.subscribe(Topics.raw, 'processor', async () => undefined);
    bus.subscribe(Topics.events, 'detector', async () => undefined, { autoCommit: false });
    await bus.start();

    const processor = kafka.consumerOf('prod-logs.raw.processor');
    expect(processor.config).toMatchObject({
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    });
    expect(processor.subscription).toEqual({ topics: ['prod-logs.raw'], fromBeginning: true });
    expect(processor.runConfig).toMatchObject({
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
    });
    const detector = kafka.consumerOf('prod-logs.events.detector');
    expect(detector.runConfig).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
  });

  it('starts a new group at the end of every partition when asked, before it joins', async () => {
    const { kafka, bus } = open();
    kafka.ends.set('prod-logs.events', ['120', '7', '0']);
    bus.subscribe(Topics.events, 'detector', async () => undefined, { start: 'latest' });
    await bus.start();

    expect(kafka.offsetsSet).toEqual([
      {
        groupId: 'prod-logs.events.detector',
        topic: 'prod-logs.events',
        partitions: [
          { partition: 0, offset: '120' },
          { partition: 1, offset: '7' },
          { partition: 2, offset: '0' },
        ],
      },
    ]);
    // Partitions the group has no offset for later (added ones) start at the earliest.
    const detector = kafka.consumerOf('prod-logs.events.detector');
    expect(detector.subscription).toEqual({ topics: ['prod-logs.events'], fromBeginning: true });
  });

  it('tries the start offsets again after a failure rather than read all history', async () => {
    const { kafka, bus } = open();
    kafka.ends.set('prod-logs.events', ['120']);
    kafka.setOffsetsFailures.push(new Error('Connection timeout'));
    bus.subscribe(Topics.events, 'detector', async () => undefined, { start: 'latest' });
    await bus.start();
    await until('the start offsets are set', () => kafka.offsetsSet.length === 1);
    await until('the consumer runs', () => kafka.consumers.some((c) => c.runConfig));
    expect(kafka.offsetsSet[0].partitions).toEqual([{ partition: 0, offset: '120' }]);
  });

  it('goes on when another instance of the group joined first', async () => {
    const { kafka, bus } = open();
    kafka.ends.set('prod-logs.events', ['120']);
    kafka.setOffsetsFailures.push(
      new Error('The consumer group must have no running instances, current state: Stable'),
    );
    bus.subscribe(Topics.events, 'detector', async () => undefined, { start: 'latest' });
    await bus.start();
    expect(kafka.consumerOf('prod-logs.events.detector').runConfig).toBeDefined();
    expect(kafka.offsetsSet).toEqual([]);
  });

  it('leaves out of the commit the progress of a partition the subscriber forgets', async () => {
    const { subscription, consumer: detector } = await manualDetector();
    detector.join('member-1', [0, 1]);
    await detector.deliver(0, [record(4, 'k', { n: 4 })]);
    await detector.deliver(1, [record(9, 'k', { n: 9 })]);
    subscription.forget(0);
    await subscription.commit();
    expect(detector.commits).toEqual([[{ topic: 'prod-logs.events', partition: 1, offset: '10' }]]);
  });

  it('leaves the offsets of a group that committed before where they are', async () => {
    const { kafka, bus } = open();
    kafka.ends.set('prod-logs.events', ['120', '7']);
    kafka.committed.set('prod-logs.events.detector', new Map([[1, '5']]));
    bus.subscribe(Topics.events, 'detector', async () => undefined, { start: 'latest' });
    await bus.start();
    expect(kafka.offsetsSet).toEqual([]);
  });

  it('tells each assignment, with the partitions held throughout since the previous one', async () => {
    const { kafka, bus } = open();
    const assignments: Assignment[] = [];
    bus.subscribe(Topics.events, 'detector', async () => undefined, {
      autoCommit: false,
      onAssignment: (assignment) => assignments.push(assignment),
    });
    await bus.start();

    const detector = kafka.consumerOf('prod-logs.events.detector');
    detector.join('member-1', [3, 0, 1]);
    detector.join('member-1', [1, 2]);
    // A new member id: the session ended, and another member may have had the partitions.
    detector.join('member-2', [1, 2]);
    expect(assignments).toEqual([
      { partitions: [0, 1, 3], held: [] },
      { partitions: [1, 2], held: [1] },
      { partitions: [1, 2], held: [] },
    ]);
  });

  it('records no progress for a batch of a partition the group took away meanwhile', async () => {
    const { subscription, consumer: detector } = await manualDetector();
    detector.join('member-1', [0]);
    await detector.deliver(0, [record(4, 'k', { n: 4 })]);
    detector.join('member-1', [1]);
    await detector.deliver(0, [record(5, 'k', { n: 5 })]);
    await detector.deliver(1, [record(9, 'k', { n: 9 })]);
    await subscription.commit();
    expect(detector.commits).toEqual([[{ topic: 'prod-logs.events', partition: 1, offset: '10' }]]);
  });

  it('refuses a second handler for a topic and group', () => {
    const { bus } = open();
    bus.subscribe(Topics.events, 'detector', async () => undefined);
    bus.subscribe(Topics.alerts, 'detector', async () => undefined);
    expect(() => bus.subscribe(Topics.events, 'detector', async () => undefined)).toThrow(
      'group "detector" already consumes logs.events',
    );
  });

  it('auto-commit: resolves each offset, and lets kafkajs commit, only after the handler resolved', async () => {
    const { kafka, bus } = open();
    const received: BusMessage<Event>[] = [];
    let finish: () => void = () => undefined;
    bus.subscribe<Event>(Topics.events, 'indexer', async (messages) => {
      await new Promise<void>((resolve) => (finish = resolve));
      received.push(...messages);
    });
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.indexer');
    consumer.join('member-1', [2]);

    const delivery = consumer.deliver(2, [
      record(10, 'acme/web-1', { n: 1 }),
      record(11, 'acme/db-1', { n: 2 }),
    ]);
    await sleep(20);
    expect(received).toEqual([]);
    finish();
    const trace = await delivery;

    expect(received).toEqual([
      { key: 'acme/web-1', value: { n: 1 }, partition: 2, offset: 10 },
      { key: 'acme/db-1', value: { n: 2 }, partition: 2, offset: 11 },
    ]);
    expect(trace.resolved).toEqual(['10', '11']);
    expect(trace.commitChecks).toBe(1);
    expect(consumer.commits).toEqual([]);
  });

  it('heartbeats between the chunks of a long batch', async () => {
    const { kafka, bus } = open({ delivery: { chunkSize: 2 } });
    const calls: number[][] = [];
    bus.subscribe<Event>(Topics.events, 'indexer', async (messages) => {
      calls.push(messages.map((message) => message.value.n));
    });
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.indexer');
    consumer.join('member-1', [0]);

    const trace = await consumer.deliver(
      0,
      [0, 1, 2, 3, 4].map((n) => record(n, 'k', { n })),
    );
    expect(calls).toEqual([[0, 1], [2, 3], [4]]);
    expect(trace.heartbeats).toBe(3);
    expect(trace.commitChecks).toBe(3);
  });

  it('manual commit: commits the next offset of each partition handled, on commit() only', async () => {
    const { subscription, consumer } = await manualDetector();
    consumer.join('member-1', [0, 1]);

    const first = await consumer.deliver(0, [record(5, 'a', {}), record(6, 'a', {})]);
    await consumer.deliver(1, [record(9, 'b', {})]);
    expect(first.resolved).toEqual(['5', '6']);
    expect(first.commitChecks).toBe(0);
    expect(consumer.commits).toEqual([]);

    await subscription.commit();
    expect(consumer.commits).toEqual([
      [
        { topic: 'prod-logs.events', partition: 0, offset: '7' },
        { topic: 'prod-logs.events', partition: 1, offset: '10' },
      ],
    ]);
    await subscription.commit();
    expect(consumer.commits).toHaveLength(1);

    await consumer.deliver(1, [record(10, 'b', {})]);
    await subscription.commit();
    expect(consumer.commits[1]).toEqual([
      { topic: 'prod-logs.events', partition: 1, offset: '11' },
    ]);
  });

  it('manual commit: after a rebalance, commits and resumes only the partitions the member kept', async () => {
    const { subscription, consumer } = await manualDetector();
    consumer.join('member-1', [0, 1]);
    await consumer.deliver(0, [record(5, 'a', {})]);
    await consumer.deliver(1, [record(9, 'b', {})]);

    consumer.join('member-1', [0, 2]);
    // Resumes where the handler got to, not at the last commit the group fetches.
    expect(consumer.seeks).toEqual([{ topic: 'prod-logs.events', partition: 0, offset: '6' }]);
    await subscription.commit();
    expect(consumer.commits).toEqual([[{ topic: 'prod-logs.events', partition: 0, offset: '6' }]]);

    await consumer.deliver(2, [record(3, 'c', {})]);
    // A new member id: the group lost this member for a while, and others may have taken over.
    consumer.join('member-2', [2]);
    expect(consumer.seeks).toHaveLength(1);
    await subscription.commit();
    expect(consumer.commits).toHaveLength(1);
  });

  it('dead-letters a message its handler cannot take, naming its origin, and moves on', async () => {
    const metrics = new Metrics();
    const { kafka, bus, producer } = open({ metrics });
    const handled: number[] = [];
    bus.subscribe<Event>(Topics.events, 'detector', async (messages) => {
      if (messages.some((message) => message.value.n === 2)) throw new Error('rule crashed on n=2');
      handled.push(...messages.map((message) => message.value.n));
    });
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.detector');
    consumer.join('member-1', [3]);

    const poison = record(2, 'acme/web-1', { n: 2 });
    const trace = await consumer.deliver(
      3,
      [0, 1, 2, 3].map((n) => (n === 2 ? poison : record(n, 'k', { n }))),
    );

    expect(handled.sort()).toEqual([0, 1, 3]);
    expect(producer.sends).toEqual([
      {
        topic: 'prod-logs.dead-letter',
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [
          {
            key: poison.key,
            value: poison.value,
            headers: {
              [DEAD_LETTER_HEADERS.topic]: 'prod-logs.events',
              [DEAD_LETTER_HEADERS.partition]: '3',
              [DEAD_LETTER_HEADERS.offset]: '2',
              [DEAD_LETTER_HEADERS.group]: 'detector',
              [DEAD_LETTER_HEADERS.error]: 'rule crashed on n=2',
            },
          },
        ],
      },
    ]);
    expect(trace.resolved).toEqual(['0', '1', '2', '3']);
    expect(
      await metrics.registry.getSingleMetricAsString('logwarden_bus_dead_letters_total'),
    ).toContain('logwarden_bus_dead_letters_total{topic="prod-logs.events",group="detector"} 1');
  });

  it('resolves nothing past a poison message the dead-letter topic did not take', async () => {
    const { kafka, bus, producer } = open();
    bus.subscribe(Topics.events, 'detector', async () => {
      throw new Error('rule crashed');
    });
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.detector');
    consumer.join('member-1', [0]);
    producer.outcomes.push(new Error('broker unavailable'));

    await expect(consumer.deliver(0, [record(4, 'k', {})])).rejects.toThrow('broker unavailable');
    expect(consumer.batches[0].resolved).toEqual([]);
  });

  it('is ready only while the producer is connected and every consumer is in its group', async () => {
    const { kafka, bus } = open();
    bus.subscribe(Topics.events, 'detector', async () => undefined);
    expect(bus.isReady()).toBe(false);
    await bus.start();
    expect(bus.isReady()).toBe(false);

    const consumer = kafka.consumerOf('prod-logs.events.detector');
    consumer.join('member-1', [0]);
    expect(bus.isReady()).toBe(true);
    consumer.crash(new Error('coordinator gone'), true);
    expect(bus.isReady()).toBe(false);
    consumer.join('member-1', [0]);
    expect(bus.isReady()).toBe(true);

    await bus.stop();
    expect(bus.isReady()).toBe(false);
  });

  it('starts the consumer of a later subscription, trying again until it connects', async () => {
    const { kafka, bus } = open();
    await bus.start();
    kafka.connectFailures.push(new Error('connect ECONNREFUSED'));
    bus.subscribe(Topics.events, 'detector', async () => undefined);

    await until('a consumer running', () =>
      kafka.consumers.some((consumer) => consumer.runConfig !== undefined),
    );
    expect(kafka.consumers.map((consumer) => consumer.config.groupId)).toEqual([
      'prod-logs.events.detector',
      'prod-logs.events.detector',
    ]);
  });

  it('drains before the stores close: no more batches, but commits still land', async () => {
    const { kafka, bus, producer } = open();
    const handled: number[] = [];
    const subscription = bus.subscribe<Event>(
      Topics.events,
      'detector',
      async (messages) => {
        handled.push(...messages.map((message) => message.value.n));
      },
      { autoCommit: false },
    );
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.detector');
    consumer.join('member-1', [0]);
    await consumer.deliver(0, [record(1, 'k', { n: 1 })]);

    await bus.onModuleDestroy();
    expect(consumer.paused).toEqual(['prod-logs.events']);
    const late = await consumer.deliver(0, [record(2, 'k', { n: 2 })]);
    expect(handled).toEqual([1]);
    expect(late).toMatchObject({ resolved: [], paused: true });

    // The subscriber's last checkpoint, in its own shutdown hook, can still be committed.
    await subscription.commit();
    expect(consumer.commits).toEqual([[{ topic: 'prod-logs.events', partition: 0, offset: '2' }]]);
    await bus.publish(Topics.raw, [{ key: 'acme', value: {} }]);
    expect(() => bus.subscribe(Topics.alerts, 'notifier', async () => undefined)).toThrow(
      'no new subscriptions',
    );

    await bus.onApplicationShutdown();
    expect(consumer.connected).toBe(false);
    expect(producer.connected).toBe(false);
    await expect(bus.publish(Topics.raw, [{ key: 'acme', value: {} }])).rejects.toThrow(
      'not connected',
    );
  });

  it('waits for the chunk in flight when draining and leaves the rest of its batch', async () => {
    const { kafka, bus } = open({ delivery: { chunkSize: 1 } });
    let release: () => void = () => undefined;
    const calls: number[][] = [];
    bus.subscribe<Event>(Topics.events, 'indexer', async (messages) => {
      calls.push(messages.map((message) => message.value.n));
      await new Promise<void>((resolve) => (release = resolve));
    });
    await bus.start();
    const consumer = kafka.consumerOf('prod-logs.events.indexer');
    consumer.join('member-1', [0]);

    const delivery = consumer.deliver(0, [record(1, 'k', { n: 1 }), record(2, 'k', { n: 2 })]);
    await until('the first chunk handed over', () => calls.length === 1);
    let drained = false;
    const draining = bus.drain().then(() => (drained = true));
    await sleep(20);
    expect(drained).toBe(false);
    release();
    await draining;

    expect(calls).toEqual([[1]]);
    expect((await delivery).resolved).toEqual(['1']);
  });

  it('refuses to commit once stopped, as nothing can reach the group', async () => {
    const { bus, subscription, consumer } = await manualDetector();
    consumer.join('member-1', [0]);
    await consumer.deliver(0, [record(1, 'k', {})]);
    await bus.stop();
    await expect(subscription.commit()).rejects.toThrow('will be delivered again');
    expect(consumer.commits).toEqual([]);
  });
});
