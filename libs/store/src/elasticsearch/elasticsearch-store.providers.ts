import { Client } from '@elastic/elasticsearch';
import type { Provider } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { elasticsearchEventStoreProviders } from './elasticsearch-event-store.providers';
import { elasticsearchStateProviders } from './elasticsearch-state-providers';

/** The one Elasticsearch client every store of distributed mode uses. */
export const ELASTICSEARCH_CLIENT = Symbol('ELASTICSEARCH_CLIENT');

/** Every store on Elasticsearch: events, then alerts, silences, the outbox, checkpoints and keys. */
export function elasticsearchStoreProviders(): Provider[] {
  return [
    {
      provide: ELASTICSEARCH_CLIENT,
      inject: [CONFIG],
      useFactory: ({ elasticsearch }: LogwardenConfig) =>
        new Client({
          node: elasticsearch.url,
          ...(elasticsearch.apiKey && { auth: { apiKey: elasticsearch.apiKey } }),
        }),
    },
    ...elasticsearchEventStoreProviders(ELASTICSEARCH_CLIENT),
    ...elasticsearchStateProviders(ELASTICSEARCH_CLIENT),
  ];
}
