import type { Client } from '@elastic/elasticsearch';
import type { InjectionToken, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Metrics, Readiness } from '@logwarden/ops';
import { EVENT_STORE } from '../event-store.port';

/**
 * The event store on the client `client` provides. It resolves once the template and
 * lifecycle policy are in place, before anything can append. Its code loads only then:
 * the embedded mode, which never builds it, does not pay for it.
 */
export function elasticsearchEventStoreProviders(client: InjectionToken): Provider[] {
  return [
    {
      provide: EVENT_STORE,
      inject: [client, CONFIG, Metrics],
      useFactory: async (es: Client, config: LogwardenConfig, metrics: Metrics) => {
        const { ElasticsearchEventStore } = await import('./elasticsearch-event-store');
        const store = new ElasticsearchEventStore(es, {
          ...config.elasticsearch,
          retentionDays: config.retentionDays,
          onBulk: (seconds, events) => {
            metrics.storeCommitSeconds.observe(seconds);
            metrics.storeCommitRows.observe(events);
          },
        });
        await store.init();
        return store;
      },
    },
    {
      provide: EventStoreLifecycle,
      inject: [EVENT_STORE, Readiness, Metrics],
      useFactory: (events: WatchedEventStore, readiness: Readiness, metrics: Metrics) =>
        new EventStoreLifecycle(events, readiness, metrics),
    },
  ];
}

interface WatchedEventStore {
  isReady(): boolean;
  sizeBytes(): number;
  close(): void;
}

/** Reports the event store's state, and stops its health checks at shutdown. */
class EventStoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly events: WatchedEventStore,
    private readonly readiness: Readiness,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.readiness.register('store', () => this.events.isReady());
    this.metrics.gauge(
      'logwarden_store_size_bytes',
      'Size of the event indices, replicas included.',
      () => this.events.sizeBytes(),
    );
  }

  onApplicationShutdown(): void {
    this.events.close();
  }
}
