import type { Client } from '@elastic/elasticsearch';
import type { InjectionToken, Provider } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { ALERT_STORE, CHECKPOINT_STORE, SILENCE_STORE } from '../alert-store.port';
import { KEY_STORE } from '../key-store.port';
import { ElasticsearchAlertStore } from './elasticsearch-alert-store';
import { ElasticsearchCheckpointStore } from './elasticsearch-checkpoint-store';
import { ElasticsearchKeyStore } from './elasticsearch-key-store';
import { ElasticsearchSilenceStore } from './elasticsearch-silence-store';
import { ElasticsearchStateIndices } from './elasticsearch-state-indices';

/**
 * The alert, silence, checkpoint and key stores on the client `client` provides. The
 * factories are async, so the application starts only once the indices exist and the
 * pending deliveries are counted.
 */
export function elasticsearchStateProviders(client: InjectionToken): Provider[] {
  const onIndices = <T>(create: (es: Client, indices: ElasticsearchStateIndices) => T) => ({
    inject: [client, ElasticsearchStateIndices],
    useFactory: create,
  });
  return [
    {
      provide: ElasticsearchStateIndices,
      inject: [client, CONFIG],
      useFactory: async (es: Client, config: LogwardenConfig) => {
        const indices = new ElasticsearchStateIndices(es, config.elasticsearch);
        await indices.init();
        return indices;
      },
    },
    {
      provide: ALERT_STORE,
      ...onIndices(async (es, indices) => {
        const store = new ElasticsearchAlertStore(es, indices);
        await store.init();
        return store;
      }),
    },
    {
      provide: SILENCE_STORE,
      ...onIndices((es, indices) => new ElasticsearchSilenceStore(es, indices)),
    },
    {
      provide: CHECKPOINT_STORE,
      ...onIndices((es, indices) => new ElasticsearchCheckpointStore(es, indices)),
    },
    { provide: KEY_STORE, ...onIndices((es, indices) => new ElasticsearchKeyStore(es, indices)) },
  ];
}
