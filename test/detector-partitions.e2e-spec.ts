import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { BUS, KafkaBus } from '@logwarden/bus';
import { LogwardenConfig, loadConfig } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import {
  ALERT_STORE,
  AlertDetection,
  CHECKPOINT_STORE,
  CheckpointStore,
  EVENT_STORE,
  EventStore,
  KEY_STORE,
  SILENCE_STORE,
} from '@logwarden/store';
import { DetectorAppModule } from '../apps/detector/src/detector-app.module';
import { FakeConsumer, FakeKafka, record } from '../libs/bus/src/testing/fake-kafka';
import { ELASTICSEARCH_CLIENT } from '../libs/store/src/elasticsearch/elasticsearch-store.providers';
import { ElasticsearchStateIndices } from '../libs/store/src/elasticsearch/elasticsearch-state-indices';
import { SqliteAlertStore } from '../libs/store/src/sqlite/sqlite-alert-store';
import { SqliteCheckpointStore } from '../libs/store/src/sqlite/sqlite-checkpoint-store';
import { ALERTING_MIGRATIONS, SqliteDatabase } from '../libs/store/src/sqlite/sqlite-database';
import { SqliteEventStore } from '../libs/store/src/sqlite/sqlite-event-store';
import { SqliteKeyStore } from '../libs/store/src/sqlite/sqlite-key-store';
import { SqliteSilenceStore } from '../libs/store/src/sqlite/sqlite-silence-store';
import { tempDataDir } from './support/logwarden';

// Detector instances of one group on Kafka: the real detector app over the real KafkaBus, on a
// fake kafkajs client the test assigns partitions and hands batches to. Checkpoints go to one
// SQLite store the instances share, as they would share Elasticsearch.

const RULE = `
- id: login-failures
  name: Repeated login failures
  category: unauthorized-access
  severity: high
  type: threshold
  filter: event.outcome:failure
  group_by: [source.ip]
  threshold: { count: 3, window: 5m }
`;

const EVENTS_TOPIC = 'logs.events';
const GROUP = `${EVENTS_TOPIC}.detector`;

interface Instance {
  app: INestApplication;
  kafka: FakeKafka;
  consumer: FakeConsumer;
}

let dataDir: string;
let config: LogwardenConfig;
let alerting: SqliteDatabase;
let checkpoints: CheckpointStore;
let eventDb: SqliteDatabase;
let events: SqliteEventStore;
const running: Instance[] = [];

beforeEach(() => {
  dataDir = tempDataDir();
  writeFileSync(join(dataDir, 'rules.yml'), RULE);
  config = {
    ...loadConfig({
      LOGWARDEN_MODE: 'distributed',
      KAFKA_BROKERS: 'kafka:9092',
      ELASTICSEARCH_URL: 'http://elasticsearch:9200',
    }),
    dataDir,
    rulesDirs: [dataDir],
  };
  alerting = new SqliteDatabase({
    dataDir,
    synchronous: 'normal',
    file: 'alerting.db',
    migrations: ALERTING_MIGRATIONS,
  });
  checkpoints = new SqliteCheckpointStore(alerting.db);
  eventDb = new SqliteDatabase({ dataDir, synchronous: 'normal' });
  events = new SqliteEventStore(eventDb, new Metrics());
});

afterEach(async () => {
  for (const instance of running.splice(0)) await instance.app.close();
  await events.close();
  eventDb.close();
  alerting.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A detector instance; like Elasticsearch, its event store cannot replay by position. */
async function startDetector(prepare?: (kafka: FakeKafka) => void): Promise<Instance> {
  const kafka = new FakeKafka();
  prepare?.(kafka);
  const positionless = Object.assign(Object.create(events) as EventStore, {
    readAfter: undefined,
    lastPosition: undefined,
    close: () => undefined,
  });
  const testing = await Test.createTestingModule({
    imports: [DetectorAppModule.distributed(config)],
  })
    .overrideProvider(BUS)
    .useValue(new KafkaBus(config.kafka, { createClient: kafka.factory }))
    .overrideProvider(ELASTICSEARCH_CLIENT)
    .useValue({})
    .overrideProvider(ElasticsearchStateIndices)
    .useValue({})
    .overrideProvider(EVENT_STORE)
    .useValue(positionless)
    .overrideProvider(ALERT_STORE)
    .useValue(new SqliteAlertStore(alerting.db))
    .overrideProvider(SILENCE_STORE)
    .useValue(new SqliteSilenceStore(alerting.db))
    .overrideProvider(KEY_STORE)
    .useValue(new SqliteKeyStore(eventDb))
    .overrideProvider(CHECKPOINT_STORE)
    .useValue(checkpoints)
    .compile();
  const app = testing.createNestApplication(new FastifyAdapter());
  await app.init();
  const instance = { app, kafka, consumer: kafka.consumerOf(GROUP) };
  running.push(instance);
  return instance;
}

async function stop(instance: Instance): Promise<void> {
  running.splice(running.indexOf(instance), 1);
  await instance.app.close();
}

let eventCount = 0;

function failure(ip: string, id = `evt-${++eventCount}`): Record<string, unknown> {
  return {
    '@timestamp': new Date().toISOString(),
    tenant: 'acme',
    message: `login failed for admin from ${ip}`,
    event: { id, outcome: 'failure' },
    source: { ip },
  };
}

/** Records of `logs.events` from `offset` on, keyed by source like the processor keys them. */
function records(offset: number, values: Record<string, unknown>[]) {
  return values.map((value, i) => record(offset + i, 'acme/web-1', value));
}

/** What the instance sent on `alerts`, failed sends included. */
function alertSends(instance: Instance): AlertDetection[][] {
  return instance.kafka.producers
    .flatMap((producer) => producer.sends)
    .filter((send) => send.topic === config.kafka.topics.alerts)
    .map((send) => send.messages.map((m) => JSON.parse(String(m.value)) as AlertDetection));
}

function detections(instance: Instance): AlertDetection[] {
  return alertSends(instance).flat();
}

describe('detector instances on a partitioned bus', () => {
  it('starts a new group at the end of each partition: history in the topic is not judged', async () => {
    await startDetector((kafka) => kafka.ends.set(EVENTS_TOPIC, ['42', '7']));
    const second = await startDetector((kafka) => {
      kafka.ends.set(EVENTS_TOPIC, ['50', '9']);
      kafka.committed.set(GROUP, new Map([[0, '42']]));
    });
    expect(second.kafka.offsetsSet).toEqual([]);
    expect(running[0].kafka.offsetsSet).toEqual([
      {
        groupId: GROUP,
        topic: EVENTS_TOPIC,
        partitions: [
          { partition: 0, offset: '42' },
          { partition: 1, offset: '7' },
        ],
      },
    ]);
  });

  it('keeps a checkpoint per partition, at the offset of the last event evaluated', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0, 1]);
    await a.consumer.deliver(0, records(10, [failure('10.0.0.1'), failure('10.0.0.1')]));
    await a.consumer.deliver(1, records(40, [failure('10.0.0.2')]));
    await stop(a);

    expect((await checkpoints.load('detector/0'))?.position).toBe(11);
    expect((await checkpoints.load('detector/1'))?.position).toBe(40);
    // The shutdown checkpoint was committed after it was saved, partition by partition.
    expect(a.consumer.commits.flat()).toEqual(
      expect.arrayContaining([
        { topic: EVENTS_TOPIC, partition: 0, offset: '12' },
        { topic: EVENTS_TOPIC, partition: 1, offset: '41' },
      ]),
    );
  });

  it('hands a partition to another instance with its window state, counting nothing twice', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    await a.consumer.deliver(0, records(0, [failure('10.0.0.9'), failure('10.0.0.9')]));
    await stop(a);
    expect(detections(a)).toEqual([]);

    const b = await startDetector();
    b.consumer.join('b', [0]);
    // Kafka redelivers from the last commit; a lagging commit would resend offsets 0-1 too.
    const third = failure('10.0.0.9');
    await b.consumer.deliver(0, records(0, [failure('10.0.0.9'), failure('10.0.0.9'), third]));

    // Two failures from A's state plus B's one: the threshold of 3 fires once, at offset 2.
    const fired = detections(b);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ ruleId: 'login-failures', count: 3 });
    expect(fired[0].eventIds).toContain((third.event as { id: string }).id);
  });

  it('does not count again what a processor republished after a crash', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    const first = failure('10.0.0.7');
    const second = failure('10.0.0.7');
    await a.consumer.deliver(0, records(0, [first, second]));
    // The processor stored and published these, crashed before its commit, and published them
    // again after it restarted.
    await a.consumer.deliver(0, records(2, [first, second]));
    expect(detections(a)).toEqual([]);

    await a.consumer.deliver(0, records(4, [failure('10.0.0.7')]));
    expect(detections(a)).toHaveLength(1);
  });

  it('evaluates a republished event it never saw: the processor crashed before publishing it', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    await a.consumer.deliver(0, records(0, [failure('10.0.0.8')]));
    await a.consumer.deliver(0, records(1, [failure('10.0.0.8'), failure('10.0.0.8')]));
    expect(detections(a)).toHaveLength(1);
  });

  it('drops a partition the group moved away, leaving its checkpoint to the new owner', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0, 1]);
    await a.consumer.deliver(0, records(0, [failure('10.0.0.5')]));
    await stop(a);
    const saved = await checkpoints.load('detector/0');

    const b = await startDetector();
    b.consumer.join('b', [0, 1]);
    await b.consumer.deliver(0, records(1, [failure('10.0.0.5')]));
    b.consumer.join('b', [1]);
    // A batch of partition 0 fetched before the rebalance is not B's to evaluate any more.
    await b.consumer.deliver(0, records(2, [failure('10.0.0.5')]));
    await stop(b);

    expect(detections(b)).toEqual([]);
    expect(saved?.position).toBe(0);
    expect((await checkpoints.load('detector/0'))?.position).toBe(0);
    // Nor did B commit it: the new owner resumes after A's commit, with A's checkpoint.
    expect(b.consumer.commits.flat().filter(({ partition }) => partition === 0)).toEqual([]);
  });

  it('reloads a partition it got back after another instance had it', async () => {
    const c = await startDetector();
    c.consumer.join('c', [0]);
    await c.consumer.deliver(0, records(0, [failure('10.0.0.4')]));

    // C's session ends unseen; B takes partition 0 from the last commit and checkpoints.
    const b = await startDetector();
    b.consumer.join('b', [0]);
    await b.consumer.deliver(0, records(0, [failure('10.0.0.4'), failure('10.0.0.4')]));
    await stop(b);

    // C rejoins with a new member id and gets partition 0 back, from B's commit.
    c.consumer.join('c-2', [0]);
    await c.consumer.deliver(0, records(2, [failure('10.0.0.4')]));

    // B's checkpoint holds two failures: the third fires. C's own lane knew of one only.
    expect(detections(c)).toEqual([expect.objectContaining({ count: 3 })]);
  });

  it('never lets an instance that lost a partition unawares overwrite the new owner', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    await a.consumer.deliver(0, records(0, [failure('10.0.0.6')]));

    // A's session ended while it was busy; B took partition 0 and checkpointed it.
    const b = await startDetector();
    b.consumer.join('b', [0]);
    await b.consumer.deliver(0, records(0, [failure('10.0.0.6'), failure('10.0.0.6')]));
    await stop(b);
    const owners = await checkpoints.load('detector/0');

    await stop(a);

    expect(owners?.position).toBe(1);
    expect(await checkpoints.load('detector/0')).toEqual(owners);
  });

  it('refuses the old owner saving after the new one opened the partition, and counts all', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    await a.consumer.deliver(0, records(0, [failure('10.0.0.2')]));
    const b = await startDetector();
    b.consumer.join('b', [0]);
    await b.consumer.deliver(0, records(0, [failure('10.0.0.2'), failure('10.0.0.2')]));

    // A, unaware, saves first: B opened the partition after it, so A's save is refused.
    await stop(a);
    expect(a.consumer.commits.flat().filter(({ partition }) => partition === 0)).toEqual([]);
    await stop(b);

    const c = await startDetector();
    c.consumer.join('c', [0]);
    await c.consumer.deliver(0, records(2, [failure('10.0.0.2')]));
    expect(detections(c)).toEqual([expect.objectContaining({ count: 3 })]);
  });

  it('keeps a detection the bus refused and sends it with the next', async () => {
    const a = await startDetector();
    a.consumer.join('a', [0]);
    a.kafka.producers[0].outcomes.push(new Error('broker down'));
    await a.consumer.deliver(
      0,
      records(
        0,
        ['x', 'x', 'x'].map(() => failure('10.0.0.3')),
      ),
    );
    await a.consumer.deliver(0, records(3, [failure('10.0.0.30')]));

    const sends = alertSends(a);
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual(sends[0]);
    expect(sends[0]).toEqual([expect.objectContaining({ count: 3 })]);
  });
});
