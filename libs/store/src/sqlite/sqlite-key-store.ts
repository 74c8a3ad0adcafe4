import { Injectable } from '@nestjs/common';
import { ApiKeyRecord, KeyStore } from '../key-store.port';
import { SqliteDatabase } from './sqlite-database';

interface KeyRow {
  id: string;
  name: string;
  roles: string;
  tenant: string;
  token_hash: string;
  secret_hash: string;
  created_at: string;
}

function toRecord(row: KeyRow | undefined): ApiKeyRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    roles: JSON.parse(row.roles) as string[],
    tenant: row.tenant,
    tokenHash: row.token_hash,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
  };
}

@Injectable()
export class SqliteKeyStore implements KeyStore {
  constructor(private readonly database: SqliteDatabase) {}

  async save(key: ApiKeyRecord): Promise<void> {
    this.database.db
      .prepare(
        `INSERT OR REPLACE INTO api_keys (id, name, roles, tenant, token_hash, secret_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.id,
        key.name,
        JSON.stringify(key.roles),
        key.tenant,
        key.tokenHash,
        key.secretHash,
        key.createdAt,
      );
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    return toRecord(
      this.database.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow,
    );
  }

  async findByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined> {
    return toRecord(
      this.database.db
        .prepare('SELECT * FROM api_keys WHERE token_hash = ?')
        .get(tokenHash) as KeyRow,
    );
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = this.database.db
      .prepare('SELECT * FROM api_keys ORDER BY created_at, id')
      .all() as KeyRow[];
    return rows.map((row) => toRecord(row)!);
  }

  async delete(id: string): Promise<boolean> {
    return this.database.db.prepare('DELETE FROM api_keys WHERE id = ?').run(id).changes > 0;
  }

  async countWithRole(role: string): Promise<number> {
    return this.database.db
      .prepare('SELECT count(*) FROM api_keys, json_each(api_keys.roles) r WHERE r.value = ?')
      .pluck()
      .get(role) as number;
  }
}
