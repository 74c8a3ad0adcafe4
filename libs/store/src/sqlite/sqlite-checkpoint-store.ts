import type { Database } from 'better-sqlite3';
import type { Checkpoint, CheckpointStore } from '../alert-store.port';

export class SqliteCheckpointStore implements CheckpointStore {
  constructor(private readonly db: Database) {}

  async load(name: string): Promise<Checkpoint | undefined> {
    const row = this.db
      .prepare('SELECT position, state, saved_at FROM checkpoints WHERE name = ?')
      .get(name) as { position: number | null; state: string; saved_at: number } | undefined;
    if (!row) return undefined;
    return {
      position: row.position,
      state: JSON.parse(row.state) as unknown,
      savedAt: row.saved_at,
    };
  }

  async save(name: string, checkpoint: Checkpoint): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO checkpoints (name, position, state, saved_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state,
           saved_at = excluded.saved_at`,
      )
      .run(name, checkpoint.position, JSON.stringify(checkpoint.state), checkpoint.savedAt);
  }
}
