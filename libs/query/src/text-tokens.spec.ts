import Database from 'better-sqlite3';
import { containsTokens, textTokens, tokenSequenceTest } from './text-tokens';

/** Tokens SQLite FTS5 (unicode61, default options) produces for each text. */
function sqliteTokens(texts: string[]): string[][] {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(message);
           CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');`);
  const insert = db.prepare('INSERT INTO t (rowid, message) VALUES (?, ?)');
  db.transaction(() => texts.forEach((text, i) => insert.run(i + 1, text)))();
  const rows = db.prepare('SELECT doc, term FROM v ORDER BY doc, offset').all() as {
    doc: number;
    term: string;
  }[];
  db.close();
  const tokens = texts.map((): string[] => []);
  for (const row of rows) tokens[row.doc - 1].push(row.term);
  return tokens;
}

function charactersIn(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));
}

describe('textTokens', () => {
  it('splits on everything but letters and digits and folds case', () => {
    expect(textTokens('Connection refused: connect to 10.0.0.1:5432 (user_id=42)')).toEqual([
      'connection',
      'refused',
      'connect',
      'to',
      '10',
      '0',
      '0',
      '1',
      '5432',
      'user',
      'id',
      '42',
    ]);
    expect(textTokens('')).toEqual([]);
    expect(textTokens(' --- ')).toEqual([]);
  });

  it('removes single diacritics and keeps other scripts', () => {
    expect(textTokens('Café NAÏVE Ærø straße Привет 日本語 😀emoji')).toEqual([
      'cafe',
      'naive',
      'ærø',
      'straße',
      'привет',
      '日本語',
      'emoji',
    ]);
  });

  it('tokenizes every ASCII character exactly like SQLite FTS5', () => {
    const texts = charactersIn(1, 127).map((char) => `a${char}b ${char}x ${char}`);
    texts.push('GET /api/v1/users?id=7&sort=-name HTTP/1.1 "Mozilla/5.0" 200 1534 0.004s');
    expect(texts.map(textTokens)).toEqual(sqliteTokens(texts));
  });

  it('tokenizes Latin, Greek and Cyrillic letters and combining marks like SQLite FTS5', () => {
    // SQLite's tables are Unicode 6.1: ranges with later additions (U+037F, U+0524..)
    // are left out on purpose.
    const characters = [
      ...charactersIn(0x80, 0x36f),
      ...charactersIn(0x386, 0x3ff),
      ...charactersIn(0x400, 0x523),
      ...charactersIn(0x1e00, 0x1eff),
    ];
    const texts = characters.map((char) => `a${char}b ${char}x ${char}`);
    texts.push('e\u0301te\u0301 \u0301leading-mark ÉCOLE İstanbul ǅungla ſtop');
    expect(texts.map(textTokens)).toEqual(sqliteTokens(texts));
  });
});

describe('containsTokens', () => {
  const haystack = textTokens('GET /api/v1/login failed for admin');

  it('finds a word, a phrase and a prefix phrase in order', () => {
    expect(containsTokens(haystack, ['login'], false)).toBe(true);
    expect(containsTokens(haystack, ['login', 'failed'], false)).toBe(true);
    expect(containsTokens(haystack, ['v1', 'log'], true)).toBe(true);
    expect(containsTokens(haystack, ['adm'], true)).toBe(true);
  });

  it('requires consecutive tokens and whole words unless prefixed', () => {
    expect(containsTokens(haystack, ['failed', 'login'], false)).toBe(false);
    expect(containsTokens(haystack, ['login', 'admin'], false)).toBe(false);
    expect(containsTokens(haystack, ['log'], false)).toBe(false);
    expect(containsTokens(haystack, ['log', 'failed'], true)).toBe(false);
    expect(containsTokens(haystack, ['admin', 'x'], true)).toBe(false);
    expect(containsTokens(haystack, [], false)).toBe(false);
  });
});

describe('tokenSequenceTest', () => {
  /** A small alphabet, so generated needles often occur in generated texts, at word edges too. */
  const CHARS = ['a', 'b', 'A', 'B', '1', ' ', '-', '/', '.', 'é', 'É', 'ß'];

  function generator(seed: number): (length: number) => string {
    let state = seed >>> 0;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    return (length) =>
      Array.from(
        { length: 1 + Math.floor(next() * length) },
        () => CHARS[Math.floor(next() * CHARS.length)],
      ).join('');
  }

  it('answers as the token comparison on ASCII and other texts, phrases and prefixes', () => {
    const random = generator(7);
    let matched = 0;
    for (let i = 0; i < 5_000; i++) {
      const needle = textTokens(random(6));
      const text = random(24);
      const prefix = i % 2 === 0;
      const expected = containsTokens(textTokens(text), needle, prefix);
      expect({ needle, text, prefix, found: tokenSequenceTest(needle, prefix)(text) }).toEqual({
        needle,
        text,
        prefix,
        found: expected,
      });
      if (expected) matched++;
    }
    // The generated cases exercise both answers, not only misses.
    expect(matched).toBeGreaterThan(500);
  });

  it('finds an ASCII phrase whatever the case and separators, never inside a longer word', () => {
    const test = tokenSequenceTest(['failed', 'password'], false);
    expect(test('sshd[12]: FAILED   Password for root')).toBe(true);
    expect(test('failed-password')).toBe(true);
    expect(test('unfailed password')).toBe(false);
    expect(test('failed passwords')).toBe(false);
    expect(tokenSequenceTest(['failed', 'pass'], true)('failed passwords')).toBe(true);
  });
});
