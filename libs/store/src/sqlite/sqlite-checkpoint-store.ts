import type { Database } from 'better-sqlite3';
import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
} from '../alert-store.port';

/** Saves over whatever is stored. */
const UPSERT = `INSERT INTO checkpoints (name, position, state, saved_at, version) VALUES (?, ?, ?, ?, 1)
  ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state,
    saved_at = excluded.saved_at, version = version + 1
  RETURNING version`;
/** Saves only a checkpoint that does not exist yet; answers no row otherwise. */
const CREATE = `INSERT INTO checkpoints (name, position, state, saved_at, version) VALUES (?, ?, ?, ?, 1)
  ON CONFLICT (name) DO NOTHING RETURNING version`;
/**
 * Saves only over the expected version; answers no row otherwise. The column's INTEGER
 * affinity compares the decimal string as a number.
 */
const UPDATE = `UPDATE checkpoints SET position = ?, state = ?, saved_at = ?, version = version + 1
  WHERE name = ? AND version = ? RETURNING version`;

/**
 * A checkpoint's version counts its saves. Checkpoints are never deleted, so a version is
 * never reused for other content.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  constructor(private readonly db: Database) {}

  async load(name: string): Promise<Checkpoint | undefined> {
    const row = this.db
      .prepare('SELECT position, state, saved_at, version FROM checkpoints WHERE name = ?')
      .get(name) as
      { position: number | null; state: string; saved_at: number; version: number } | undefined;
    if (!row) return undefined;
    return {
      position: row.position,
      state: JSON.parse(row.state) as unknown,
      savedAt: row.saved_at,
      version: String(row.version),
    };
  }

  async save(name: string, checkpoint: Checkpoint, expected?: string | null): Promise<string> {
    const values = [checkpoint.position, JSON.stringify(checkpoint.state), checkpoint.savedAt];
    const saved = (
      expected === undefined
        ? this.db.prepare(UPSERT).get(name, ...values)
        : expected === null
          ? this.db.prepare(CREATE).get(name, ...values)
          : this.db.prepare(UPDATE).get(...values, name, expected)
    ) as { version: number } | undefined;
    if (!saved) throw new CheckpointConflictError(name);
    return String(saved.version);
  }
}
