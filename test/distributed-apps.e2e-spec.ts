import { rmSync } from 'node:fs';
import type { DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { BUS, InProcessBus } from '@logwarden/bus';
import { LogwardenConfig, loadConfig } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import {
  ALERT_STORE,
  CHECKPOINT_STORE,
  EVENT_STORE,
  KEY_STORE,
  SILENCE_STORE,
} from '@logwarden/store';
import { ApiAppModule } from '../apps/api/src/api-app.module';
import { DetectorAppModule } from '../apps/detector/src/detector-app.module';
import { IngestAppModule } from '../apps/ingest/src/ingest-app.module';
import { NotifierAppModule } from '../apps/notifier/src/notifier-app.module';
import { ProcessorAppModule } from '../apps/processor/src/processor-app.module';
import { ELASTICSEARCH_CLIENT } from '../libs/store/src/elasticsearch/elasticsearch-store.providers';
import { ElasticsearchStateIndices } from '../libs/store/src/elasticsearch/elasticsearch-state-indices';
import { SqliteAlertStore } from '../libs/store/src/sqlite/sqlite-alert-store';
import { SqliteCheckpointStore } from '../libs/store/src/sqlite/sqlite-checkpoint-store';
import { ALERTING_MIGRATIONS, SqliteDatabase } from '../libs/store/src/sqlite/sqlite-database';
import { SqliteEventStore } from '../libs/store/src/sqlite/sqlite-event-store';
import { SqliteKeyStore } from '../libs/store/src/sqlite/sqlite-key-store';
import { SqliteSilenceStore } from '../libs/store/src/sqlite/sqlite-silence-store';
import { ADMIN_KEY, tempDataDir } from './support/logwarden';

// No Kafka broker or Elasticsearch server runs here: each distributed app is wired with
// its real modules, with the bus and the stores swapped for the embedded adapters, to
// prove every app resolves its dependencies, starts, and serves its health endpoints.
const APPS: [string, (config: LogwardenConfig) => DynamicModule, string[]][] = [
  ['ingest', (c) => IngestAppModule.distributed(c), ['/', '/api/v1/logs']],
  ['processor', (c) => ProcessorAppModule.distributed(c), []],
  ['detector', (c) => DetectorAppModule.distributed(c), []],
  ['notifier', (c) => NotifierAppModule.distributed(c), []],
  [
    'api',
    (c) => ApiAppModule.distributed(c),
    ['/api/v1/search', '/api/v1/alerts', '/api/v1/rules'],
  ],
];

describe.each(APPS)('distributed app %s', (_name, module, routes) => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let databases: SqliteDatabase[];
  let events: SqliteEventStore;

  beforeAll(async () => {
    dataDir = tempDataDir();
    const config: LogwardenConfig = {
      ...loadConfig({
        LOGWARDEN_MODE: 'distributed',
        KAFKA_BROKERS: 'kafka:9092',
        ELASTICSEARCH_URL: 'http://elasticsearch:9200',
      }),
      adminKey: ADMIN_KEY,
      dataDir,
    };
    const eventDb = new SqliteDatabase({ dataDir, synchronous: 'normal' });
    const alertingDb = new SqliteDatabase({
      dataDir,
      synchronous: 'normal',
      file: 'alerting.db',
      migrations: ALERTING_MIGRATIONS,
    });
    databases = [eventDb, alertingDb];
    events = new SqliteEventStore(eventDb, new Metrics());
    const testing = await Test.createTestingModule({ imports: [module(config)] })
      .overrideProvider(BUS)
      .useValue(new InProcessBus())
      .overrideProvider(ELASTICSEARCH_CLIENT)
      .useValue({})
      .overrideProvider(ElasticsearchStateIndices)
      .useValue({})
      .overrideProvider(EVENT_STORE)
      .useValue(Object.assign(events, { close: () => undefined }))
      .overrideProvider(ALERT_STORE)
      .useValue(new SqliteAlertStore(alertingDb.db))
      .overrideProvider(SILENCE_STORE)
      .useValue(new SqliteSilenceStore(alertingDb.db))
      .overrideProvider(CHECKPOINT_STORE)
      .useValue(new SqliteCheckpointStore(alertingDb.db))
      .overrideProvider(KEY_STORE)
      .useValue(new SqliteKeyStore(eventDb))
      .compile();
    app = testing.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await events.close();
    databases.forEach((database) => database.close());
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const server = app.getHttpAdapter().getInstance();
    expect((await server.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await server.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect((await server.inject({ url: '/metrics' })).body).toContain('logwarden_');
  });

  it('serves its own API and only that', async () => {
    const server = app.getHttpAdapter().getInstance();
    for (const url of routes) {
      const response = await server.inject({
        url,
        method: url === '/api/v1/logs' ? 'POST' : 'GET',
      });
      // Reached the route: the key check answers, not the router.
      expect({ url, status: response.statusCode }).toEqual({ url, status: 401 });
    }
    if (!routes.includes('/api/v1/search')) {
      expect((await server.inject({ url: '/api/v1/search' })).statusCode).toBe(404);
    }
  });
});
