import {
  DynamicModule,
  Global,
  Inject,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Metrics, Readiness } from '@logwarden/ops';
import { ALERT_STORE, CHECKPOINT_STORE, SILENCE_STORE } from './alert-store.port';
import { EVENT_STORE } from './event-store.port';
import { KEY_STORE } from './key-store.port';
import { RetentionService } from './retention.service';
import { SqliteAlertStore } from './sqlite/sqlite-alert-store';
import { SqliteCheckpointStore } from './sqlite/sqlite-checkpoint-store';
import { ALERTING_MIGRATIONS, SqliteDatabase } from './sqlite/sqlite-database';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { SqliteKeyStore } from './sqlite/sqlite-key-store';
import { SqliteSilenceStore } from './sqlite/sqlite-silence-store';

/** The alerting database: alerts, silences, outbox and checkpoints. */
const ALERTING_DATABASE = Symbol('ALERTING_DATABASE');

/** Reports the database's state, and closes it last, after the HTTP server has drained. */
class SqliteLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(SqliteDatabase) private readonly database: SqliteDatabase,
    @Inject(ALERTING_DATABASE) private readonly alerting: SqliteDatabase,
    @Inject(EVENT_STORE) private readonly events: SqliteEventStore,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.readiness.register('store', () => this.events.isReady());
    this.metrics.gauge('logwarden_store_size_bytes', 'Size of the store on disk.', () =>
      this.events.sizeBytes(),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    this.database.close();
    this.alerting.close();
  }
}

@Global()
@Module({})
export class StoreModule {
  /** SQLite under the data directory: the single-host store. */
  static embedded(): DynamicModule {
    return {
      module: StoreModule,
      providers: [
        {
          provide: SqliteDatabase,
          inject: [CONFIG],
          useFactory: (config: LogwardenConfig) =>
            new SqliteDatabase({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous }),
        },
        {
          provide: ALERTING_DATABASE,
          inject: [CONFIG],
          useFactory: (config: LogwardenConfig) =>
            new SqliteDatabase({
              dataDir: config.dataDir,
              synchronous: config.sqliteSynchronous,
              file: 'alerting.db',
              migrations: ALERTING_MIGRATIONS,
            }),
        },
        { provide: EVENT_STORE, useClass: SqliteEventStore },
        { provide: KEY_STORE, useClass: SqliteKeyStore },
        {
          provide: ALERT_STORE,
          inject: [ALERTING_DATABASE],
          useFactory: (alerting: SqliteDatabase) => new SqliteAlertStore(alerting.db),
        },
        {
          provide: SILENCE_STORE,
          inject: [ALERTING_DATABASE],
          useFactory: (alerting: SqliteDatabase) => new SqliteSilenceStore(alerting.db),
        },
        {
          provide: CHECKPOINT_STORE,
          inject: [ALERTING_DATABASE],
          useFactory: (alerting: SqliteDatabase) => new SqliteCheckpointStore(alerting.db),
        },
        SqliteLifecycle,
        RetentionService,
      ],
      exports: [EVENT_STORE, KEY_STORE, ALERT_STORE, SILENCE_STORE, CHECKPOINT_STORE],
    };
  }

  /**
   * Elasticsearch at `ELASTICSEARCH_URL`: the store of distributed mode. Loaded on demand,
   * so embedded mode never loads the Elasticsearch client (about 30 MB).
   */
  static async elasticsearch(): Promise<DynamicModule> {
    const { ELASTICSEARCH_CLIENT, elasticsearchStoreProviders } =
      await import('./elasticsearch/elasticsearch-store.providers');
    return {
      module: StoreModule,
      providers: elasticsearchStoreProviders(),
      exports: [
        ELASTICSEARCH_CLIENT,
        EVENT_STORE,
        KEY_STORE,
        ALERT_STORE,
        SILENCE_STORE,
        CHECKPOINT_STORE,
      ],
    };
  }
}
