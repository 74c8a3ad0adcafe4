import type { Database } from 'better-sqlite3';
import type { Silence, SilenceStore } from '../alert-store.port';

interface SilenceRow {
  id: string;
  tenant: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string;
  created_at: number;
}

export class SqliteSilenceStore implements SilenceStore {
  constructor(private readonly db: Database) {}

  async create(silence: Silence): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO silences (id, tenant, matchers, starts_at, ends_at, comment, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        silence.id,
        silence.tenant,
        silence.matchers,
        silence.startsAt,
        silence.endsAt,
        silence.comment,
        silence.createdBy,
        silence.createdAt,
      );
  }

  async list(tenant: string, now: number): Promise<Silence[]> {
    const rows = this.db
      .prepare('SELECT * FROM silences WHERE tenant = ? AND ends_at > ? ORDER BY ends_at, id')
      .all(tenant, now) as SilenceRow[];
    return rows.map(toSilence);
  }

  async active(now: number): Promise<Silence[]> {
    const rows = this.db
      .prepare('SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ?')
      .all(now, now) as SilenceRow[];
    return rows.map(toSilence);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM silences WHERE tenant = ? AND id = ?').run(tenant, id).changes >
      0
    );
  }
}

function toSilence(row: SilenceRow): Silence {
  return {
    id: row.id,
    tenant: row.tenant,
    matchers: row.matchers,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    comment: row.comment,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
