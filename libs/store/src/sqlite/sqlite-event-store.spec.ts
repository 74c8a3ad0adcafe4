import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '@logwarden/ops';
import type { EcsEvent } from '@logwarden/schema';
import { SqliteDatabase } from './sqlite-database';
import { SqliteEventStore } from './sqlite-event-store';

const T0 = Date.parse('2026-11-30T08:00:00Z');

/** Events whose time follows from their id (`a2`: 2 s after T0), as a replay repeats both. */
function events(tenant: string, ids: string[]): EcsEvent[] {
  return ids.map((id) => ({
    '@timestamp': new Date(T0 + Number(id.slice(1)) * 1000).toISOString(),
    tenant,
    message: `request ${id} served`,
    container: { name: 'api' },
    event: { id, kind: 'event', ingested: new Date(T0).toISOString() },
  }));
}

const storedIds = async (store: SqliteEventStore) =>
  (await store.readAfter(0, 1000)).map(({ event }) => event.event.id).sort();

describe('SqliteEventStore appends', () => {
  let dir: string;
  let database: SqliteDatabase;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logwarden-append-'));
    database = new SqliteDatabase({ dataDir: dir, synchronous: 'normal' });
    store = new SqliteEventStore(database, new Metrics());
  });
  afterEach(async () => {
    await store.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers appends sent together each with its own events, a repeat among them as a duplicate', async () => {
    const [first, second, third] = await Promise.all([
      store.append(events('acme', ['a1', 'a2', 'a3'])),
      store.append(events('acme', ['b1', 'b2'])),
      store.append(events('acme', ['a2', 'c1'])),
    ]);
    expect(first).toMatchObject({ stored: 3, duplicates: 0, fresh: [true, true, true] });
    expect(second).toMatchObject({ stored: 2, duplicates: 0, fresh: [true, true] });
    expect(third).toMatchObject({ stored: 1, duplicates: 1, fresh: [false, true] });
    expect(third.positions?.[0]).toBe(0);
    const positions = [first, second, third].flatMap((result) => result.positions ?? []);
    const stored = positions.filter((position) => position > 0);
    expect(new Set(stored).size).toBe(6);
    expect(await storedIds(store)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
  });

  it('fails only the append the database refused, whole, and goes on storing', async () => {
    database.db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON events WHEN NEW.id = 'p2'
      BEGIN SELECT RAISE(ABORT, 'poisoned event'); END`);
    const [before, poisoned, after] = await Promise.allSettled([
      store.append(events('acme', ['a1', 'a2'])),
      store.append(events('acme', ['p1', 'p2', 'p3'])),
      store.append(events('acme', ['b1'])),
    ]);
    expect(before).toMatchObject({ status: 'fulfilled', value: { stored: 2 } });
    expect(poisoned).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/poisoned event/) }),
    });
    expect(after).toMatchObject({ status: 'fulfilled', value: { stored: 1 } });
    await expect(store.append(events('acme', ['c1']))).resolves.toMatchObject({ stored: 1 });
    expect(await storedIds(store)).toEqual(['a1', 'a2', 'b1', 'c1']);
    // p1, stored before p2 was refused, is gone from the text index as well.
    const indexed = (word: string) =>
      database.db
        .prepare('SELECT count(*) FROM events_fts WHERE events_fts MATCH ?')
        .pluck()
        .get(word);
    expect([indexed('p1'), indexed('a1')]).toEqual([0, 1]);
  });

  it('stores exactly the appends it acknowledged when the database abandons a transaction', async () => {
    database.db.exec(`CREATE TRIGGER roll_back BEFORE INSERT ON events WHEN NEW.id = 'p2'
      BEGIN SELECT RAISE(ROLLBACK, 'transaction rolled back'); END`);
    const sent = [['a1', 'a2'], ['p1', 'p2'], ['b1']];
    const outcomes = await Promise.allSettled(sent.map((ids) => store.append(events('acme', ids))));
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
    await expect(store.append(events('acme', ['c1']))).resolves.toMatchObject({ stored: 1 });
    const acknowledged = sent.filter((_, i) => outcomes[i].status === 'fulfilled').flat();
    expect(await storedIds(store)).toEqual([...acknowledged, 'c1'].sort());
  });
});
