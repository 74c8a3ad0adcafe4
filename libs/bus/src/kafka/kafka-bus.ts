import { setTimeout as sleep } from 'node:timers/promises';
import {
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  Logger,
} from '@nestjs/common';
import {
  CompressionTypes,
  Kafka,
  Partitioners,
  logLevel,
  type ConsumerConfig,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopics,
  type EachBatchPayload,
  type ITopicConfig,
  type InstrumentationEvent,
  type KafkaConfig,
  type LogEntry,
  type ProducerConfig,
  type ProducerRecord,
  type TopicPartitionOffsetAndMetadata,
} from 'kafkajs';
import type { KafkaSettings } from '@logwarden/config';
import type { Metrics } from '@logwarden/ops';
import {
  Assignment,
  Bus,
  BusHandler,
  BusMessage,
  SubscribeOptions,
  Subscription,
  Topics,
} from '../bus.port';
import {
  DEFAULT_DELIVERY_POLICY,
  DeadLetter,
  DeliveryPolicy,
  deliverBatch,
} from './batch-delivery';
import { deadLetterRecord, encodeRecord } from './kafka-codec';

/** The calls the adapter makes on a kafkajs admin client. */
export interface KafkaAdminPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(options: { waitForLeaders?: boolean; topics: ITopicConfig[] }): Promise<boolean>;
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string }[]>;
  setOffsets(options: {
    groupId: string;
    topic: string;
    partitions: { partition: number; offset: string }[];
  }): Promise<void>;
}

export interface KafkaProducerPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<unknown>;
}

export interface KafkaConsumerPort {
  readonly events: { GROUP_JOIN: string; CRASH: string; DISCONNECT: string; STOP: string };
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: ConsumerSubscribeTopics): Promise<void>;
  run(config: ConsumerRunConfig): Promise<void>;
  pause(topics: { topic: string }[]): void;
  commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void>;
  seek(offset: { topic: string; partition: number; offset: string }): void;
  on(event: string, listener: (event: InstrumentationEvent<unknown>) => void): unknown;
}

/** The part of kafkajs' `Kafka` the adapter uses; tests hand in a fake. */
export interface KafkaClient {
  admin(): KafkaAdminPort;
  producer(config: ProducerConfig): KafkaProducerPort;
  consumer(config: ConsumerConfig): KafkaConsumerPort;
}

export type KafkaClientFactory = (config: KafkaConfig) => KafkaClient;

export interface KafkaBusOptions {
  createClient?: KafkaClientFactory;
  delivery?: Partial<DeliveryPolicy>;
  /**
   * An idempotent kafkajs producer retries without limit, so a publish during a broker outage
   * would never settle; past this it rejects (ingest answers 503 and the shipper retries). The
   * send goes on in the background, so the retry may store the batch twice; event ids absorb that.
   */
  publishTimeoutMs?: number;
  metrics?: Metrics;
}

interface GroupJoin {
  memberId: string;
  memberAssignment: Record<string, number[]>;
}

interface CrashReport {
  error: Error;
  restart: boolean;
}

interface ConsumerSubscription {
  kafkaTopic: string;
  group: string;
  groupId: string;
  handler: BusHandler<unknown>;
  autoCommit: boolean;
  startAtLatest: boolean;
  onAssignment?: (assignment: Assignment) => void;
  consumer?: KafkaConsumerPort;
  joined: boolean;
  memberId?: string;
  /** The partitions the group gave this member last. */
  assigned: Set<number>;
  /** Manual commit: per partition, the offset after the last message handled but not committed. */
  progress: Map<number, string>;
  launch?: Promise<void>;
  /** Batches being handed to the handler. */
  inFlight: Set<Promise<void>>;
}

/** `draining`: consumers fetch nothing more but stay in their groups, so commits still land. */
type State = 'idle' | 'starting' | 'running' | 'draining' | 'stopped';

/**
 * While auto-committing, a long batch also commits this often between its chunks. Short, as
 * what a crashed processor had not committed is published again, and the detector recognises
 * replays among the last 200,000 events only.
 */
const AUTO_COMMIT_INTERVAL_MS = 1_000;

/**
 * The bus on Kafka. Logical topics (dead-letter included) map to the configured topic names;
 * each (topic, group) subscription is one consumer in the Kafka group `<topic>.<group>`, so a
 * group name is independent per topic and instances of one app share the partitions.
 *
 * `publish` is one `send` through an idempotent producer with `acks: -1` and resolves once
 * every in-sync replica has the messages. Consumers fetch in batches and see every record of a
 * new group from the earliest offset (from the end, if the subscriber asks for the latest); an
 * offset is resolved only after the handler resolved for its message (or the message was
 * dead-lettered), and committed after that: at once in auto-commit mode, on
 * `Subscription.commit()` in manual mode.
 */
export class KafkaBus
  implements Bus, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(KafkaBus.name);
  private readonly client: KafkaClient;
  private readonly producer: KafkaProducerPort;
  private readonly topics: Map<string, string>;
  private readonly policy: DeliveryPolicy;
  private readonly publishTimeoutMs: number;
  private readonly metrics?: Metrics;
  private readonly subscriptions = new Map<string, ConsumerSubscription>();
  private readonly drainStarted = new AbortController();
  private state: State = 'idle';
  private producerConnected = false;

  constructor(
    private readonly settings: KafkaSettings,
    options: KafkaBusOptions = {},
  ) {
    if (settings.brokers.length === 0) {
      throw new Error('the Kafka bus needs KAFKA_BROKERS: at least one host:port');
    }
    const createClient = options.createClient ?? ((config: KafkaConfig) => new Kafka(config));
    this.client = createClient({
      clientId: settings.clientId,
      brokers: settings.brokers,
      logLevel: logLevel.WARN,
      logCreator: nestLogCreator,
    });
    this.producer = this.client.producer({
      idempotent: true,
      // kafkajs implements idempotence as KIP-98 first specified it, with one request in flight
      // per broker so that a retried batch cannot overtake the next one's sequence number.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2 like the Java client, so a key lands on the same partition whoever produces it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.topics = new Map<string, string>([
      [Topics.raw, settings.topics.raw],
      [Topics.events, settings.topics.events],
      [Topics.alerts, settings.topics.alerts],
      [Topics.deadLetter, settings.topics.deadLetter],
    ]);
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.metrics = options.metrics;
  }

  /** Creates the missing topics, connects the producer and starts every subscribed consumer. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`the Kafka bus cannot start: it is ${this.state}`);
    this.state = 'starting';
    await this.createMissingTopics();
    await this.producer.connect();
    this.producerConnected = true;
    this.state = 'running';
    await Promise.all([...this.subscriptions.values()].map((sub) => this.launch(sub)));
  }

  /**
   * Pauses every consumer and waits for the batches in flight, which stop at their next chunk;
   * what they did not reach is delivered again later. The consumers stay in their groups, so
   * a subscriber can still commit what it saved, and the producer stays up.
   */
  async drain(): Promise<void> {
    if (this.state === 'draining' || this.state === 'stopped') return;
    this.state = 'draining';
    this.drainStarted.abort();
    await Promise.all(
      [...this.subscriptions.values()].map(async (sub) => {
        await sub.launch;
        try {
          sub.consumer?.pause([{ topic: sub.kafkaTopic }]);
        } catch {
          // kafkajs is restarting this consumer: nothing is in flight, and what it fetches
          // next is refused by `consume` until the consumer disconnects.
        }
        await Promise.all(sub.inFlight);
      }),
    );
  }

  /** Drains, leaves the groups, then disconnects the producer. */
  async stop(): Promise<void> {
    await this.drain();
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await Promise.all(
      [...this.subscriptions.values()].map(async (sub) => {
        await sub.consumer?.disconnect();
        sub.joined = false;
      }),
    );
    if (!this.producerConnected) return;
    this.producerConnected = false;
    await this.producer.disconnect();
  }

  /** Global modules bootstrap first; subscriptions made later start their consumer on the spot. */
  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  /** Destroy hooks all run before any shutdown hook closes the stores the handlers write to. */
  onModuleDestroy(): Promise<void> {
    return this.drain();
  }

  /**
   * A global module's shutdown hook runs after the other modules' (a last checkpoint and its
   * commit) and after the HTTP server drained the requests that may still publish.
   */
  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  async publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void> {
    const kafkaTopic = this.kafkaTopic(topic);
    if (messages.length === 0) return;
    if (!this.producerConnected) throw new Error('the Kafka producer is not connected');
    const send = this.producer.send({
      topic: kafkaTopic,
      acks: -1,
      // JSON log batches shrink about eightfold, which keeps a 2,000-event raw batch (1.3 MB)
      // under Kafka's default 1 MB record limit; kafkajs runs gzip off the event loop.
      compression: CompressionTypes.GZIP,
      messages: messages.map((message) => encodeRecord(message)),
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Kafka did not acknowledge within ${this.publishTimeoutMs} ms`)),
        this.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([send, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  subscribe<T>(
    topic: string,
    group: string,
    handler: BusHandler<T>,
    options: SubscribeOptions = {},
  ): Subscription {
    const kafkaTopic = this.kafkaTopic(topic);
    const groupId = `${kafkaTopic}.${group}`;
    if (this.subscriptions.has(groupId)) {
      throw new Error(`group "${group}" already consumes ${topic}`);
    }
    if (this.state === 'draining' || this.state === 'stopped') {
      throw new Error(`the Kafka bus is ${this.state}: no new subscriptions`);
    }
    const sub: ConsumerSubscription = {
      kafkaTopic,
      group,
      groupId,
      handler: handler as BusHandler<unknown>,
      autoCommit: options.autoCommit ?? true,
      startAtLatest: options.start === 'latest',
      onAssignment: options.onAssignment,
      joined: false,
      assigned: new Set(),
      progress: new Map(),
      inFlight: new Set(),
    };
    this.subscriptions.set(groupId, sub);
    if (this.state === 'running') void this.launch(sub);
    return {
      commit: () => this.commit(sub),
      forget: (partition) => void sub.progress.delete(partition),
    };
  }

  isReady(): boolean {
    return (
      this.state === 'running' &&
      this.producerConnected &&
      [...this.subscriptions.values()].every((sub) => sub.joined)
    );
  }

  private kafkaTopic(topic: string): string {
    const name = this.topics.get(topic);
    if (name === undefined) throw new Error(`"${topic}" is not a bus topic`);
    return name;
  }

  private async createMissingTopics(): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...this.topics.values()].filter((topic) => !existing.has(topic));
      if (missing.length === 0) return;
      // Resolves false when another instance created them first, which is just as good.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.settings.partitions,
          replicationFactor: this.settings.replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(this.minInSyncReplicas()) }],
        })),
      });
      this.logger.log(
        `created ${missing.join(', ')} (${this.settings.partitions} partitions, replication ${this.settings.replicationFactor})`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * `acks: -1` waits for the replicas in sync, however few remain: with three or more, two
   * must have a write before it is acknowledged, so one broker's loss loses nothing
   * acknowledged; with fewer, a broker down would otherwise block every publish.
   */
  private minInSyncReplicas(): number {
    return this.settings.replicationFactor >= 3 ? 2 : 1;
  }

  /** Starts the subscription's consumer, trying again after a failure until the bus stops. */
  private launch(sub: ConsumerSubscription): Promise<void> {
    sub.launch = (async () => {
      while (this.state === 'running') {
        try {
          await this.startConsumer(sub);
          return;
        } catch (error) {
          this.logger.error(
            `consumer ${sub.groupId} could not start (${(error as Error).message}); trying again in ${this.policy.maxBackoffMs} ms`,
          );
          await sub.consumer?.disconnect().catch(() => undefined);
          sub.consumer = undefined;
          await sleep(this.policy.maxBackoffMs, undefined, {
            signal: this.drainStarted.signal,
          }).catch(() => undefined);
        }
      }
    })();
    return sub.launch;
  }

  /**
   * A group with no committed offset yet starts at the end of every partition: its offsets
   * are set there before it first joins. Later, partitions without a commit (added to the
   * topic) start at the earliest, so nothing published to them is skipped.
   */
  private async startNewGroupAtLatest(sub: ConsumerSubscription): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({
        groupId: sub.groupId,
        topics: [sub.kafkaTopic],
      });
      if (committed?.partitions.some(({ offset }) => offset !== '-1')) return;
      const ends = await admin.fetchTopicOffsets(sub.kafkaTopic);
      await admin.setOffsets({
        groupId: sub.groupId,
        topic: sub.kafkaTopic,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
      this.logger.log(`consumer group ${sub.groupId} starts at the end of ${sub.kafkaTopic}`);
    } catch (error) {
      // Another instance of the app joined first and set them: kafkajs refuses offsets for a
      // group with members. Any other failure is retried, lest the group read all history.
      if (!/no running instances/.test((error as Error).message)) throw error;
      this.logger.log(`consumer group ${sub.groupId} has members: its start is set`);
    } finally {
      await admin.disconnect();
    }
  }

  private async startConsumer(sub: ConsumerSubscription): Promise<void> {
    const consumer = this.client.consumer({
      groupId: sub.groupId,
      allowAutoTopicCreation: false,
      // A fetch returns as soon as there is data; when idle this bounds how long a stop (or a
      // paused consumer) waits for it, at one request a second.
      maxWaitTimeInMs: 1_000,
    });
    sub.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) =>
      this.joined(sub, event.payload as GroupJoin),
    );
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload as CrashReport;
      sub.joined = false;
      this.logger.error(
        `consumer ${sub.groupId} crashed (${error.message}); ${restart ? 'kafkajs restarts it' : 'it stays down'}`,
      );
    });
    for (const event of [consumer.events.DISCONNECT, consumer.events.STOP]) {
      consumer.on(event, () => {
        sub.joined = false;
      });
    }
    if (sub.startAtLatest) await this.startNewGroupAtLatest(sub);
    await consumer.connect();
    await consumer.subscribe({ topics: [sub.kafkaTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: sub.autoCommit,
      autoCommitInterval: sub.autoCommit ? AUTO_COMMIT_INTERVAL_MS : null,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consume(sub, payload),
    });
  }

  /**
   * Every join follows a rebalance (or a restart), after which another member may own what this
   * one had. Manual progress is kept only for partitions this member owned throughout: those it
   * still holds under the same member id. The consumer resumes them where the handler got to
   * rather than at the last commit, so the subscriber's state does not see them twice; progress
   * of the rest is dropped unsaid, and its new owner starts from the last commit.
   */
  private joined(sub: ConsumerSubscription, { memberId, memberAssignment }: GroupJoin): void {
    const assigned = new Set(memberAssignment[sub.kafkaTopic] ?? []);
    const continuous = memberId === sub.memberId;
    const held = continuous ? [...assigned].filter((partition) => sub.assigned.has(partition)) : [];
    if (!continuous) sub.progress.clear();
    for (const partition of sub.progress.keys()) {
      if (!assigned.has(partition)) sub.progress.delete(partition);
    }
    sub.assigned = assigned;
    sub.memberId = memberId;
    sub.joined = true;
    for (const [partition, offset] of sub.progress) {
      sub.consumer?.seek({ topic: sub.kafkaTopic, partition, offset });
    }
    const partitions = [...assigned].sort((a, b) => a - b);
    sub.onAssignment?.({ partitions, held: held.sort((a, b) => a - b) });
    this.logger.log(`consumer ${sub.groupId} joined with partitions [${partitions.join(', ')}]`);
  }

  private async consume(sub: ConsumerSubscription, payload: EachBatchPayload): Promise<void> {
    if (this.state !== 'running') {
      payload.pause();
      return;
    }
    const delivery = this.deliver(sub, payload);
    sub.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      sub.inFlight.delete(delivery);
    }
  }

  private deliver(sub: ConsumerSubscription, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    return deliverBatch(
      batch.partition,
      batch.messages,
      sub.handler,
      {
        resolveOffset: (offset) => payload.resolveOffset(offset),
        heartbeat: () => payload.heartbeat(),
        isRunning: () => payload.isRunning() && this.state === 'running',
        isStale: () => payload.isStale(),
        chunkDone: async (lastOffset) => {
          if (sub.autoCommit) await payload.commitOffsetsIfNecessary();
          // A batch fetched before a rebalance took its partition away: its new owner resumes
          // from the last commit, which this member must not move.
          else if (sub.assigned.has(batch.partition))
            sub.progress.set(batch.partition, (BigInt(lastOffset) + 1n).toString());
        },
        deadLetter: (letters) => this.deadLetter(sub, batch.partition, letters),
        sleep: (ms) => sleep(ms),
        warn: (message) => this.logger.warn(`${sub.groupId} [${batch.partition}]: ${message}`),
      },
      this.policy,
    );
  }

  private async deadLetter(
    sub: ConsumerSubscription,
    partition: number,
    letters: DeadLetter[],
  ): Promise<void> {
    await this.producer.send({
      topic: this.settings.topics.deadLetter,
      acks: -1,
      // The records fitted their topic compressed; uncompressed a big one might not.
      compression: CompressionTypes.GZIP,
      messages: letters.map(({ record, error }) =>
        deadLetterRecord(record, { topic: sub.kafkaTopic, partition, group: sub.group, error }),
      ),
    });
    this.metrics?.busDeadLetters.inc({ topic: sub.kafkaTopic, group: sub.group }, letters.length);
    for (const { record, error } of letters) {
      this.logger.error(
        `${sub.kafkaTopic} [${partition}] offset ${record.offset} sent to ${this.settings.topics.deadLetter}: ` +
          `group ${sub.group} cannot handle it (${error})`,
      );
    }
  }

  private async commit(sub: ConsumerSubscription): Promise<void> {
    if (sub.autoCommit || sub.progress.size === 0) return;
    if (this.state === 'stopped' || sub.consumer === undefined) {
      throw new Error(
        `consumer ${sub.groupId} is not running: what it handled since the last commit will be delivered again`,
      );
    }
    const offsets = [...sub.progress].map(([partition, offset]) => ({
      topic: sub.kafkaTopic,
      partition,
      offset,
    }));
    await sub.consumer.commitOffsets(offsets);
    for (const { partition, offset } of offsets) {
      if (sub.progress.get(partition) === offset) sub.progress.delete(partition);
    }
  }
}

const kafkaLogger = new Logger('kafkajs');

/** kafkajs logs JSON to stdout by default; its warnings and errors join the application's log instead. */
function nestLogCreator(): (entry: LogEntry) => void {
  return ({ namespace, level, log }) => {
    const cause = log.error as unknown;
    const text = `${namespace}: ${log.message}${typeof cause === 'string' ? ` (${cause})` : ''}`;
    if (level === logLevel.ERROR) kafkaLogger.error(text);
    else if (level === logLevel.WARN) kafkaLogger.warn(text);
    else kafkaLogger.debug(text);
  };
}
