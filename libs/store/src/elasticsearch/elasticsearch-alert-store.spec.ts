import { Client } from '@elastic/elasticsearch';
import type { AlertDetection } from '../alert-store.port';
import type { ApiKeyRecord } from '../key-store.port';
import { AlertingStores, describeAlertStoreConformance } from '../testing/alert-store-conformance';
import { ElasticsearchAlertStore } from './elasticsearch-alert-store';
import { ElasticsearchCheckpointStore } from './elasticsearch-checkpoint-store';
import { ElasticsearchKeyStore } from './elasticsearch-key-store';
import { ElasticsearchSilenceStore } from './elasticsearch-silence-store';
import { ElasticsearchStateIndices } from './elasticsearch-state-indices';

const url = process.env.ELASTICSEARCH_URL?.trim();
const apiKey = process.env.ELASTICSEARCH_API_KEY?.trim();

let prefixes = 0;
/** Indices of their own for each test, so tests and concurrent runs never share documents. */
function uniquePrefix(): string {
  prefixes += 1;
  return `lw-test-${process.pid}-${Date.now().toString(36)}-${prefixes}`;
}

function connect(): Client {
  return new Client({ node: url!, ...(apiKey && { auth: { apiKey } }) });
}

/** Replicas 0, so a single-node cluster can hold the indices. */
async function openIndices(client: Client, prefix: string): Promise<ElasticsearchStateIndices> {
  const indices = new ElasticsearchStateIndices(client, { indexPrefix: prefix, replicas: 0 });
  await indices.init();
  return indices;
}

async function removeIndices(client: Client, indices: ElasticsearchStateIndices): Promise<void> {
  try {
    await client.indices.delete({ index: indices.all, ignore_unavailable: true });
  } finally {
    await client.close();
  }
}

async function openStores(prefix: string): Promise<AlertingStores> {
  const client = connect();
  const indices = await openIndices(client, prefix);
  const alerts = new ElasticsearchAlertStore(client, indices);
  await alerts.init();
  return {
    alerts,
    silences: new ElasticsearchSilenceStore(client, indices),
    checkpoints: new ElasticsearchCheckpointStore(client, indices),
    reopen: async () => {
      await client.close();
      return openStores(prefix);
    },
    close: () => removeIndices(client, indices),
  };
}

const describeOnCluster = url ? describe : describe.skip;

describeOnCluster(
  url
    ? 'Elasticsearch at ELASTICSEARCH_URL'
    : 'Elasticsearch (skipped: no cluster here; set ELASTICSEARCH_URL to run it against one)',
  () => {
    // Writes that searches must see wait for a refresh, up to a second each.
    jest.setTimeout(120_000);

    describeAlertStoreConformance('Elasticsearch', () => openStores(uniquePrefix()));

    describe('two instances on the same indices', () => {
      const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);
      let clients: Client[];
      let indices: ElasticsearchStateIndices;
      let first: ElasticsearchAlertStore;
      let second: ElasticsearchAlertStore;

      beforeEach(async () => {
        clients = [connect(), connect()];
        indices = await openIndices(clients[0], uniquePrefix());
        [first, second] = clients.map((client) => new ElasticsearchAlertStore(client, indices));
      });

      afterEach(async () => {
        await clients[1].close();
        await removeIndices(clients[0], indices);
      });

      const detections = (from: number, to: number): AlertDetection[] =>
        Array.from({ length: to - from + 1 }, (_, index) => ({
          id: `det-${from + index}`,
          tenant: 'acme',
          ruleId: 'ssh-brute-force',
          ruleName: 'SSH brute force',
          category: 'unauthorized-access',
          severity: 'high',
          description: '',
          labels: {},
          groupKey: 'source.ip=10.0.0.1',
          group: { 'source.ip': '10.0.0.1' },
          eventTime: NOW + from + index,
          count: 1,
          eventIds: [`ev-${from + index}`],
          summary: '',
          details: {},
          resolveAfterMs: 600_000,
        }));

      /** One detection per call, one call after another, as a detector applies its batches. */
      async function apply(store: ElasticsearchAlertStore, applied: AlertDetection[]) {
        const changes = [];
        for (const one of applied) changes.push(...(await store.applyDetections([one], NOW)));
        return changes;
      }

      it('open one alert for a group and count each detection once, however they race', async () => {
        const changes = (
          await Promise.all([apply(first, detections(1, 12)), apply(second, detections(5, 16))])
        ).flat();

        const alerts = await first.list({ tenant: 'acme', limit: 10 });
        expect(alerts).toHaveLength(1);
        expect(alerts[0].count).toBe(16);
        expect(changes.filter((change) => change.opened)).toHaveLength(1);
      });

      it('never keep two open alerts of a group, nor lose a detection, while alerts resolve', async () => {
        const later = NOW + 86_400_000;
        const resolving = (async () => {
          for (let round = 0; round < 10; round += 1) await second.resolveQuiet(later);
        })();
        await Promise.all([apply(first, detections(1, 20)), resolving]);

        const alerts = await first.list({ tenant: 'acme', limit: 100 });
        expect(alerts.filter((alert) => alert.status !== 'resolved').length).toBeLessThanOrEqual(1);
        expect(alerts.reduce((sum, alert) => sum + alert.count, 0)).toBe(20);
      });
    });

    describe('ElasticsearchKeyStore', () => {
      let client: Client;
      let indices: ElasticsearchStateIndices;
      let keys: ElasticsearchKeyStore;
      const key = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
        id,
        name: `key ${id}`,
        roles: ['read'],
        tenant: 'acme',
        tokenHash: `token-${id}`,
        secretHash: `secret-${id}`,
        createdAt: `2024-05-01T10:00:0${id.length}.000Z`,
        ...overrides,
      });

      beforeEach(async () => {
        client = connect();
        indices = await openIndices(client, uniquePrefix());
        keys = new ElasticsearchKeyStore(client, indices);
      });

      afterEach(() => removeIndices(client, indices));

      it('finds keys by id and by exact token hash', async () => {
        const saved = key('k', { tokenHash: 'Ab+/cd==' });
        await keys.save(saved);

        expect(await keys.findById('k')).toEqual(saved);
        expect(await keys.findByTokenHash('Ab+/cd==')).toEqual(saved);
        expect(await keys.findByTokenHash('ab+/cd==')).toBeUndefined();
        expect(await keys.findByTokenHash('Ab')).toBeUndefined();
        expect(await keys.findById('other')).toBeUndefined();
      });

      it('replaces a key with the same id, lists oldest first, counts roles and deletes', async () => {
        await keys.save(key('kk', { roles: ['admin'] }));
        await keys.save(key('k', { roles: ['read'] }));
        await keys.save(key('k', { roles: ['admin', 'read'], name: 'renamed' }));

        expect((await keys.list()).map((listed) => [listed.id, listed.name])).toEqual([
          ['k', 'renamed'],
          ['kk', 'key kk'],
        ]);
        expect(await keys.countWithRole('admin')).toBe(2);
        expect(await keys.countWithRole('read')).toBe(1);
        expect(await keys.delete('kk')).toBe(true);
        expect(await keys.delete('kk')).toBe(false);
        expect(await keys.countWithRole('admin')).toBe(1);
        expect(await keys.findByTokenHash('token-kk')).toBeUndefined();
      });
    });
  },
);
