import type { Client } from '@elastic/elasticsearch';
import type { Checkpoint, CheckpointStore } from '../alert-store.port';
import { getVersioned } from './elasticsearch-documents';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

/**
 * Checkpoints by name, the document id. Only ever read by id, which is real-time, so
 * saves skip the refresh; they resolve once the translog holds them.
 */
export class ElasticsearchCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: Client,
    private readonly indices: ElasticsearchStateIndices,
  ) {}

  async load(name: string): Promise<Checkpoint | undefined> {
    const stored = await getVersioned<Checkpoint>(this.client, this.indices.checkpoints, name);
    if (!stored) return undefined;
    const { position, state, savedAt } = stored.doc;
    return { position, state, savedAt };
  }

  async save(name: string, checkpoint: Checkpoint): Promise<void> {
    await this.client.index({
      index: this.indices.checkpoints,
      id: name,
      document: {
        position: checkpoint.position,
        state: checkpoint.state,
        savedAt: checkpoint.savedAt,
      },
    });
  }
}
