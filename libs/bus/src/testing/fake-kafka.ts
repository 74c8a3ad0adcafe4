import type {
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  EachBatchPayload,
  ITopicConfig,
  InstrumentationEvent,
  KafkaConfig,
  ProducerConfig,
  ProducerRecord,
  TopicPartitionOffsetAndMetadata,
} from 'kafkajs';
import type {
  KafkaAdminPort,
  KafkaClient,
  KafkaClientFactory,
  KafkaConsumerPort,
  KafkaProducerPort,
} from '../kafka/kafka-bus';
import type { IncomingRecord } from '../kafka/kafka-codec';

/**
 * A stand-in for kafkajs' `Kafka` that records what the adapter asks of it. No broker logic:
 * a test joins consumers to partitions and hands them batches itself.
 */
export class FakeKafka implements KafkaClient {
  config?: KafkaConfig;
  readonly topics = new Set<string>();
  readonly created: ITopicConfig[] = [];
  readonly producers: FakeProducer[] = [];
  readonly consumers: FakeConsumer[] = [];
  /** Makes the next consumers' connects fail, one entry each. */
  readonly connectFailures: Error[] = [];
  /** Committed offsets by group, then partition, as the broker would answer them. */
  readonly committed = new Map<string, Map<number, string>>();
  /** Each topic's end offset per partition (the index): where a new group starting at the latest begins. */
  readonly ends = new Map<string, string[]>();
  /** Makes the next `setOffsets` calls fail, one entry each. */
  readonly setOffsetsFailures: Error[] = [];
  /** What the adapter set through the admin client. */
  readonly offsetsSet: {
    groupId: string;
    topic: string;
    partitions: { partition: number; offset: string }[];
  }[] = [];

  readonly factory: KafkaClientFactory = (config) => {
    this.config = config;
    return this;
  };

  admin(): KafkaAdminPort {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => [...this.topics],
      createTopics: async ({ topics }) => {
        this.created.push(...topics);
        for (const { topic } of topics) this.topics.add(topic);
        return true;
      },
      fetchOffsets: async ({ groupId, topics }) =>
        topics.map((topic) => ({
          topic,
          partitions: (this.ends.get(topic) ?? []).map((_, partition) => ({
            partition,
            offset: this.committed.get(groupId)?.get(partition) ?? '-1',
          })),
        })),
      fetchTopicOffsets: async (topic) =>
        (this.ends.get(topic) ?? []).map((high, partition) => ({ partition, high })),
      setOffsets: async (request) => {
        const failure = this.setOffsetsFailures.shift();
        if (failure) throw failure;
        this.offsetsSet.push(request);
        const offsets = new Map(request.partitions.map((p) => [p.partition, p.offset]));
        this.committed.set(request.groupId, offsets);
      },
    };
  }

  producer(config: ProducerConfig): FakeProducer {
    const producer = new FakeProducer(config);
    this.producers.push(producer);
    return producer;
  }

  consumer(config: ConsumerConfig): FakeConsumer {
    const consumer = new FakeConsumer(config, this.connectFailures);
    this.consumers.push(consumer);
    return consumer;
  }

  /** The latest consumer created for the group: a restart creates a new one. */
  consumerOf(groupId: string): FakeConsumer {
    const consumer = this.consumers.filter((c) => c.config.groupId === groupId).pop();
    if (!consumer) throw new Error(`no consumer for group ${groupId}`);
    return consumer;
  }
}

export class FakeProducer implements KafkaProducerPort {
  connected = false;
  readonly sends: ProducerRecord[] = [];
  /** Each send takes the next entry: it fails with the error, or never settles for `'hang'`. */
  readonly outcomes: (Error | 'hang')[] = [];

  constructor(readonly config: ProducerConfig) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }

  send(record: ProducerRecord): Promise<unknown> {
    this.sends.push(record);
    const outcome = this.outcomes.shift();
    if (outcome === 'hang') return new Promise(() => undefined);
    return outcome ? Promise.reject(outcome) : Promise.resolve([]);
  }
}

/** What the adapter did with one batch handed to it. */
export interface BatchTrace {
  resolved: string[];
  heartbeats: number;
  commitChecks: number;
  /** Whether the adapter paused the batch's partition. */
  paused: boolean;
}

export interface BatchOptions {
  isRunning?: () => boolean;
  heartbeat?: () => Promise<void>;
}

export class FakeConsumer implements KafkaConsumerPort {
  readonly events = {
    GROUP_JOIN: 'consumer.group_join',
    CRASH: 'consumer.crash',
    DISCONNECT: 'consumer.disconnect',
    STOP: 'consumer.stop',
  };
  connected = false;
  subscription?: ConsumerSubscribeTopics;
  runConfig?: ConsumerRunConfig;
  readonly commits: TopicPartitionOffsetAndMetadata[][] = [];
  readonly seeks: { topic: string; partition: number; offset: string }[] = [];
  readonly paused: string[] = [];
  /** One per batch delivered, kept when the delivery fails too. */
  readonly batches: BatchTrace[] = [];
  private readonly listeners = new Map<
    string,
    ((event: InstrumentationEvent<unknown>) => void)[]
  >();

  constructor(
    readonly config: ConsumerConfig,
    private readonly connectFailures: Error[],
  ) {}

  async connect(): Promise<void> {
    const failure = this.connectFailures.shift();
    if (failure) throw failure;
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    this.emit(this.events.DISCONNECT, null);
  }

  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    this.subscription = subscription;
  }

  async run(config: ConsumerRunConfig): Promise<void> {
    this.runConfig = config;
  }

  pause(topics: { topic: string }[]): void {
    this.paused.push(...topics.map(({ topic }) => topic));
  }

  async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    this.commits.push(offsets);
  }

  seek(offset: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(offset);
  }

  on(event: string, listener: (event: InstrumentationEvent<unknown>) => void): () => void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return () => undefined;
  }

  /** The group assigned these partitions of the subscribed topic to the member. */
  join(memberId: string, partitions: number[]): void {
    const topic = this.topic();
    this.emit(this.events.GROUP_JOIN, { memberId, memberAssignment: { [topic]: partitions } });
  }

  crash(error: Error, restart: boolean): void {
    this.emit(this.events.CRASH, { error, restart, groupId: this.config.groupId });
  }

  /** Hands a fetched batch to the adapter as kafkajs' runner does, and reports the calls it made. */
  async deliver(
    partition: number,
    records: IncomingRecord[],
    options: BatchOptions = {},
  ): Promise<BatchTrace> {
    const eachBatch = this.runConfig?.eachBatch;
    if (!eachBatch) throw new Error('the consumer is not running');
    const trace: BatchTrace = { resolved: [], heartbeats: 0, commitChecks: 0, paused: false };
    this.batches.push(trace);
    const payload: EachBatchPayload = {
      batch: {
        topic: this.topic(),
        partition,
        highWatermark: String(records.length),
        messages: records.map((record) => ({
          ...record,
          headers: record.headers ?? {},
          timestamp: '0',
          attributes: 0,
        })),
        isEmpty: () => records.length === 0,
        firstOffset: () => records[0]?.offset ?? null,
        lastOffset: () => records[records.length - 1]?.offset ?? '-1',
        offsetLag: () => '0',
        offsetLagLow: () => '0',
      },
      resolveOffset: (offset) => trace.resolved.push(offset),
      heartbeat: async () => {
        trace.heartbeats += 1;
        await options.heartbeat?.();
      },
      pause: () => {
        trace.paused = true;
        return () => undefined;
      },
      commitOffsetsIfNecessary: async () => {
        trace.commitChecks += 1;
      },
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: options.isRunning ?? (() => true),
      isStale: () => false,
    };
    await eachBatch(payload);
    return trace;
  }

  private topic(): string {
    const topic = this.subscription?.topics[0];
    if (typeof topic !== 'string') throw new Error('the consumer has not subscribed');
    return topic;
  }

  private emit(event: string, payload: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) {
      listener({ id: '0', type: event, timestamp: Date.now(), payload });
    }
  }
}

/** A record as a consumer fetches it, with a JSON value. */
export function record(offset: number, key: string, value: unknown): IncomingRecord {
  return {
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(JSON.stringify(value)),
  };
}
