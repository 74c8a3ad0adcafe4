import type { Client } from '@elastic/elasticsearch';
import type { Silence, SilenceStore } from '../alert-store.port';
import { getVersioned, isStatus, searchAll } from './elasticsearch-documents';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

/** Silences, one document each with the silence id as document id. */
export class ElasticsearchSilenceStore implements SilenceStore {
  constructor(
    private readonly client: Client,
    private readonly indices: ElasticsearchStateIndices,
  ) {}

  /** `create`, so a second silence with the same id fails as the SQLite primary key does. */
  async create(silence: Silence): Promise<void> {
    await this.client.create({
      index: this.indices.silences,
      id: silence.id,
      document: silence,
      refresh: 'wait_for',
    });
  }

  async list(tenant: string, now: number): Promise<Silence[]> {
    return this.search(
      { bool: { filter: [{ term: { tenant } }, { range: { endsAt: { gt: now } } }] } },
      [{ endsAt: 'asc' }, { id: 'asc' }],
    );
  }

  async active(now: number): Promise<Silence[]> {
    return this.search(
      {
        bool: {
          filter: [{ range: { startsAt: { lte: now } } }, { range: { endsAt: { gt: now } } }],
        },
      },
      [{ id: 'asc' }],
    );
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const silence = await getVersioned<Silence>(this.client, this.indices.silences, id);
    if (silence?.doc.tenant !== tenant) return false;
    try {
      await this.client.delete({ index: this.indices.silences, id, refresh: 'wait_for' });
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  private async search(
    query: Parameters<typeof searchAll>[1]['query'],
    sort: Parameters<typeof searchAll>[1]['sort'],
  ): Promise<Silence[]> {
    const hits = await searchAll<Silence>(this.client, {
      index: this.indices.silences,
      query,
      sort,
    });
    return hits.map((hit) => hit._source!);
  }
}
