import type { Client } from '@elastic/elasticsearch';
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
} from '../alert-store.port';
import { getVersioned, isStatus } from './elasticsearch-documents';
import type { ElasticsearchStateIndices } from './elasticsearch-state-indices';

/**
 * Checkpoints by name, the document id. Only ever read by id, which is real-time, so
 * saves skip the refresh; they resolve once the translog holds them. A version is the
 * document's `seqNo:primaryTerm`, what optimistic concurrency control compares.
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
    return { position, state, savedAt, version: `${stored.seqNo}:${stored.primaryTerm}` };
  }

  async save(name: string, checkpoint: Checkpoint, expected?: string | null): Promise<string> {
    try {
      const response = await this.client.index({
        index: this.indices.checkpoints,
        id: name,
        document: {
          position: checkpoint.position,
          state: checkpoint.state,
          savedAt: checkpoint.savedAt,
        },
        ...(expected === null && { op_type: 'create' }),
        ...(typeof expected === 'string' && expectedVersion(name, expected)),
      });
      return `${response._seq_no!}:${response._primary_term!}`;
    } catch (error) {
      if (expected !== undefined && isStatus(error, 409)) throw new CheckpointConflictError(name);
      throw error;
    }
  }
}

function expectedVersion(
  name: string,
  version: string,
): { if_seq_no: number; if_primary_term: number } {
  const match = /^(\d+):(\d+)$/.exec(version);
  if (!match) throw new Error(`checkpoint "${name}": "${version}" is not a version load answered`);
  return { if_seq_no: Number(match[1]), if_primary_term: Number(match[2]) };
}
