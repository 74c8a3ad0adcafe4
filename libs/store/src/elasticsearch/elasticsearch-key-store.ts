import type { Client } from '@elastic/elasticsearch';
import type { ApiKeyRecord, KeyStore } from '../key-store.port';
import { getVersioned, isStatus, searchAll } from './elasticsearch-documents';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

/**
 * API keys, one document each with the key id as document id. Token hashes are looked up
 * with a `term` query on a keyword field: exact, never analysed. Elasticsearch has no
 * unique constraint on them as SQLite has; tokens are 192-bit random secrets.
 */
export class ElasticsearchKeyStore implements KeyStore {
  constructor(
    private readonly client: Client,
    private readonly indices: ElasticsearchStateIndices,
  ) {}

  async save(key: ApiKeyRecord): Promise<void> {
    await this.client.index({
      index: this.indices.apiKeys,
      id: key.id,
      document: key,
      refresh: 'wait_for',
    });
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    return (await getVersioned<ApiKeyRecord>(this.client, this.indices.apiKeys, id))?.doc;
  }

  async findByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined> {
    const response = await this.client.search<ApiKeyRecord>({
      index: this.indices.apiKeys,
      query: { term: { tokenHash } },
      size: 1,
      track_total_hits: false,
    });
    return response.hits.hits[0]?._source;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hits = await searchAll<ApiKeyRecord>(this.client, {
      index: this.indices.apiKeys,
      query: { match_all: {} },
      sort: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return hits.map((hit) => hit._source!);
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.client.delete({ index: this.indices.apiKeys, id, refresh: 'wait_for' });
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  async countWithRole(role: string): Promise<number> {
    const { count } = await this.client.count({
      index: this.indices.apiKeys,
      query: { term: { roles: role } },
    });
    return count;
  }
}
