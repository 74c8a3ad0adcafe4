import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { containerTokens } from './sqlite-container-index';
import { WAL_CHECKPOINT_PAGES } from './sqlite-database';
import { WriterOptions, WriterReply, WriterRequest, WriterRow } from './sqlite-writer.protocol';

/**
 * The event store's only writer, on its own thread so that inserting and
 * indexing run on one core while HTTP, parsing and normalization run on the
 * other. Appends that arrive while a transaction runs are committed together
 * in the next one (group commit).
 */

/** About 20-40 ms of work: large enough to amortize the commit, small enough to keep latency low. */
const MAX_ROWS_PER_TRANSACTION = 20_000;

const options = workerData as WriterOptions;
const port = parentPort!;
const db = new Database(options.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -32768');
db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);

const insertEvent = db.prepare(
  `INSERT INTO events (id, tenant, ts, container_name, host_name, service_name, log_level, dataset, doc)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
);
const insertText = db.prepare(
  'INSERT INTO events_fts (rowid, message, container) VALUES (?, ?, ?)',
);
const tenants = db.prepare('SELECT DISTINCT tenant FROM events').pluck();
const deleteOld = db.prepare(
  'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE tenant = ? AND ts < ? LIMIT ?)',
);

const queue: Extract<WriterRequest, { kind: 'append' }>[] = [];
let flushScheduled = false;

function reply(message: WriterReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Each row's `seq`, or 0 for a duplicate. */
function insert(rows: WriterRow[]): Float64Array {
  const positions = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const info = insertEvent.run(
      row[0],
      row[1],
      row[2],
      row[3],
      row[4],
      row[5],
      row[6],
      row[7],
      row[8],
    );
    if (info.changes === 0) continue;
    positions[i] = Number(info.lastInsertRowid);
    const container = row[3] === null ? null : containerTokens(row[3], row[2]);
    if (row[9] !== null || container !== null)
      insertText.run(info.lastInsertRowid, row[9], container);
  }
  return positions;
}

const commitBatch = db.transaction((batch: typeof queue) =>
  batch.map((request) => insert(request.rows)),
);

function flush(): void {
  flushScheduled = false;
  while (queue.length > 0) {
    const batch: typeof queue = [];
    let rows = 0;
    while (
      queue.length > 0 &&
      (rows === 0 || rows + queue[0].rows.length <= MAX_ROWS_PER_TRANSACTION)
    ) {
      const next = queue.shift()!;
      rows += next.rows.length;
      batch.push(next);
    }
    const started = process.hrtime.bigint();
    try {
      const results = commitBatch(batch);
      reply({ kind: 'committed', seconds: Number(process.hrtime.bigint() - started) / 1e9, rows });
      batch.forEach((request, i) =>
        reply({ kind: 'appended', id: request.id, positions: results[i] }, [
          results[i].buffer as ArrayBuffer,
        ]),
      );
    } catch (error) {
      for (const request of batch)
        reply({ kind: 'failed', id: request.id, message: (error as Error).message });
    }
  }
}

function remove(cutoff: number, limit: number): number {
  let deleted = 0;
  for (const tenant of tenants.all() as string[]) {
    if (deleted >= limit) break;
    deleted += deleteOld.run(tenant, cutoff, limit - deleted).changes;
  }
  return deleted;
}

port.on('message', (request: WriterRequest) => {
  switch (request.kind) {
    case 'append':
      queue.push(request);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      return;
    case 'delete':
      try {
        reply({ kind: 'deleted', id: request.id, deleted: remove(request.cutoff, request.limit) });
      } catch (error) {
        reply({ kind: 'failed', id: request.id, message: (error as Error).message });
      }
      return;
    case 'close':
      flush();
      db.close();
      reply({ kind: 'closed', id: request.id });
      port.close();
      return;
  }
});
