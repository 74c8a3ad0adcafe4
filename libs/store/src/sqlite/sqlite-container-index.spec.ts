import Database from 'better-sqlite3';
import { MAX_COVER_TOKENS, containerCover, containerTokens } from './sqlite-container-index';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

describe('containerTokens', () => {
  it('indexes an event under its minute, hour and day, with the name as one hex token', () => {
    const ts = at('2024-05-01T10:03:20Z');
    expect(containerTokens('api', ts)).toBe(
      `c617069d${Math.floor(ts / 86_400_000)} c617069h${Math.floor(ts / 3_600_000)} c617069m${Math.floor(ts / MINUTE)}`,
    );
  });

  it('gives names that differ only in case, punctuation or script tokens of their own', () => {
    const names = ['api', 'API', 'api-1', 'api_1', 'api 1', 'wéb', 'web', '/web', ''];
    const tokens = names.map((name) => containerTokens(name, 0).split(' ')[0]);
    expect(new Set(tokens.map((token) => token.toLowerCase())).size).toBe(names.length);
    for (const token of tokens) expect(token).toMatch(/^c[0-9a-f]*d0$/);
  });
});

describe('containerCover', () => {
  /** The minutes a cover spans, from its tokens. */
  const minutes = (tokens: string[]): number[] =>
    tokens.flatMap((token) => {
      const [, unit, minus, index] = /([dhm])(n?)(\d+)$/.exec(token)!;
      const size = { d: 1440, h: 60, m: 1 }[unit as 'd' | 'h' | 'm'];
      const start = (minus ? -1 : 1) * Number(index) * size;
      return Array.from({ length: size }, (_, i) => start + i);
    });

  it('covers a range inside one hour with its minutes, the partial ones whole', () => {
    const tokens = containerCover('api', at('2024-05-01T10:00:30Z'), at('2024-05-01T10:02:00Z'))!;
    expect(tokens).toEqual(['c617069m28575960', 'c617069m28575961']);
  });

  it('uses whole hours and days where they fit, and minutes only at the ends', () => {
    const from = at('2024-05-01T10:17:45Z');
    const to = at('2024-05-04T03:05:00.001Z');
    const tokens = containerCover('api', from, to)!;
    expect(tokens.filter((t) => /d\d+$/.test(t))).toHaveLength(2);
    expect(tokens.filter((t) => /h\d+$/.test(t))).toHaveLength(13 + 3);
    expect(tokens.filter((t) => /m\d+$/.test(t))).toHaveLength(43 + 6);
    const covered = minutes(tokens);
    const first = Math.floor(from / MINUTE);
    expect(covered).toEqual(Array.from({ length: covered.length }, (_, i) => first + i));
    expect(covered.at(-1)).toBe(Math.floor((to - 1) / MINUTE));
  });

  it('covers ranges before 1970 with the buckets events of that time are indexed under', () => {
    const ts = at('1969-12-31T23:59:10Z');
    const tokens = containerCover('api', ts - 5 * MINUTE, ts + 1)!;
    expect(tokens).toHaveLength(6);
    expect(tokens.at(-1)).toBe(containerTokens('api', ts).split(' ')[2]);
    expect(tokens.at(-1)).toBe('c617069mn1');
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE f USING fts5 (container, content = '')");
    db.prepare('INSERT INTO f (rowid, container) VALUES (1, ?)').run(containerTokens('api', ts));
    const match = `container : (${tokens.join(' OR ')})`;
    expect(db.prepare('SELECT rowid FROM f WHERE f MATCH ?').pluck().all(match)).toEqual([1]);
    db.close();
  });

  it('gives up on ranges that take more buckets than a lookup can pay for', () => {
    const from = at('2020-01-01T00:00:30Z');
    expect(containerCover('api', from, from + 800 * 86_400_000)).toHaveLength(800 + 1);
    expect(containerCover('api', from, from + MAX_COVER_TOKENS * 86_400_000)).toBeUndefined();
  });
});
