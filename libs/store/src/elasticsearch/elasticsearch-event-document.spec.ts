import { textTokens } from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import { QUERY_EVENTS } from '../testing/query-cases';
import { bulkEntry, eventDocumentId, queryFieldValues } from './elasticsearch-event-document';
import {
  EventIndexNames,
  TOKEN_PATTERN,
  eventIndexTemplate,
  foldRules,
  retentionPolicy,
} from './elasticsearch-event-mapping';

const names = new EventIndexNames('logwarden');

describe('queryFieldValues', () => {
  it('sorts values by JSON type under the dotted path the query language reads', () => {
    const values = queryFieldValues({
      '@timestamp': '2024-05-01T10:00:00.000Z',
      message: 'Connection refused',
      http: { response: { status_code: 503 }, request: { bytes: '0042' } },
      user: { name: ['alice', null, 7, true, { x: 1 }, ['nested']] },
      container: { privileged: false, labels: {} },
      tags: [null],
      empty: [],
      nothing: null,
    });
    expect(values).toEqual({
      string: { 'http.request.bytes': '0042', 'user.name': 'alice' },
      number: { 'http.response.status_code': 503, 'user.name': 7 },
      numeric_string: { 'http.request.bytes': 42 },
      boolean: { 'user.name': true, 'container.privileged': false },
      present: [
        '@timestamp',
        'message',
        'http',
        'http.response',
        'http.response.status_code',
        'http.request',
        'http.request.bytes',
        'user',
        'user.name',
        'container',
        'container.privileged',
        'container.labels',
      ],
      text: 'Connection refused',
    });
  });

  it('makes an array of the values of one path', () => {
    expect(queryFieldValues({ tags: ['prod', 'eu', '12', 12] })).toEqual({
      string: { tags: ['prod', 'eu', '12'] },
      number: { tags: 12 },
      numeric_string: { tags: 12 },
      present: ['tags'],
    });
  });

  it('leaves out keys no query can name, and keeps `__proto__` an ordinary key', () => {
    const event = JSON.parse(
      '{"dotted.key":"v","":"empty"," ":"blank","a":{"__proto__":"p","b.c":1}}',
    ) as Record<string, unknown>;
    const values = queryFieldValues(event);
    expect(values.present).toEqual(['a', 'a.__proto__']);
    expect(Object.entries(values.string ?? {})).toEqual([['a.__proto__', 'p']]);
    expect(values.number).toBeUndefined();
  });

  it('indexes as text only a message that is a string', () => {
    expect(queryFieldValues({ message: 42 })).toEqual({ present: ['message'] });
    expect(queryFieldValues({ message: ['a', 'b'] })).toEqual({ present: ['message'] });
    expect(queryFieldValues({ message: '' })).toEqual({ present: ['message'], text: '' });
  });

  it('leaves numbers that JSON cannot carry out of the number channel', () => {
    expect(queryFieldValues({ a: Number.NaN, b: Infinity })).toEqual({ present: ['a', 'b'] });
  });
});

describe('bulkEntry', () => {
  const event = {
    '@timestamp': '2024-05-01T23:59:59.999+00:00',
    tenant: 'acme',
    message: 'Hello',
    event: { id: 'e1', ingested: '2024-05-02T00:00:01.000Z' },
  } as EcsEvent;

  it('creates the event in the index of its UTC day, under an id of tenant, time and event id', () => {
    const entry = bulkEntry(event, names);
    expect(entry).toEqual({ lines: expect.stringMatching(/\n$/) });
    const [action, document, rest] = ('lines' in entry ? entry.lines : '').split('\n');
    expect(JSON.parse(action)).toEqual({
      create: { _index: 'logwarden-events-2024.05.01', _id: '82o3Ud1Lh5kxo9Pyyn1Pt0' },
    });
    expect(JSON.parse(document)).toEqual({
      ...event,
      '@logwarden': {
        present: ['@timestamp', 'tenant', 'message', 'event', 'event.id', 'event.ingested'],
        string: { tenant: 'acme', 'event.id': 'e1', 'event.ingested': '2024-05-02T00:00:01.000Z' },
        text: 'Hello',
      },
    });
    expect(rest).toBe('');
  });

  it('drops a key of the event that is named like the query fields', () => {
    const entry = bulkEntry({ ...event, '@logwarden': { mine: true } }, names);
    const document = JSON.parse(('lines' in entry ? entry.lines : '').split('\n')[1]);
    expect(document['@logwarden'].present).not.toContain('@logwarden');
    expect(document['@logwarden'].mine).toBeUndefined();
  });

  it('refuses an event whose time cannot be read, without throwing', () => {
    expect(bulkEntry({ ...event, '@timestamp': 'yesterday' }, names)).toEqual({
      error: '@timestamp "yesterday" is not a date',
    });
  });
});

describe('eventDocumentId', () => {
  it('is the same for a replay and differs for another tenant, time or id', () => {
    const ms = Date.parse('2024-05-01T10:00:00Z');
    const id = eventDocumentId('acme', ms, 'e1');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(eventDocumentId('acme', ms, 'e1')).toBe(id);
    expect(
      new Set([
        id,
        eventDocumentId('other', ms, 'e1'),
        eventDocumentId('acme', ms + 1, 'e1'),
        eventDocumentId('acme', ms, 'e2'),
      ]).size,
    ).toBe(4);
    expect(eventDocumentId('a1', 2, 'x')).not.toBe(eventDocumentId('a', 12, 'x'));
    expect(eventDocumentId('a', 1, '2:x')).not.toBe(eventDocumentId('a', 12, 'x'));
  });
});

describe('EventIndexNames', () => {
  it('names one index per UTC day in the form ILM reads an origination date from', () => {
    expect(names.index(Date.parse('2024-05-01T23:59:59.999Z'))).toBe('logwarden-events-2024.05.01');
    expect(names.index(Date.parse('2024-05-02T00:00:00.000Z'))).toBe('logwarden-events-2024.05.02');
    expect(names.index(Date.parse('0999-12-31T00:00:00Z'))).toBe('logwarden-events-0999.12.31');
    expect(names.index(0)).toMatch(/^.*-(\d{4}.\d{2}.\d{2})(-[\d]+)?$/);
    expect([names.template, names.policy, names.pattern]).toEqual([
      'logwarden-events',
      'logwarden-events',
      'logwarden-events-*',
    ]);
  });
});

describe('retentionPolicy', () => {
  it('deletes a day once its last event is past retention', () => {
    expect(retentionPolicy(7)).toEqual({
      phases: { delete: { min_age: '8d', actions: { delete: {} } } },
    });
  });
});

/**
 * The text analyzer as Elasticsearch runs it: the mapping char filter, the pattern
 * tokenizer keeping whole matches, then inner diacritics removed. Read from the template
 * itself, so this checks the rules Elasticsearch receives.
 */
function analyze(text: string): string[] {
  const analysis = eventIndexTemplate({
    indexPrefix: 'x',
    shards: 1,
    replicas: 0,
    retentionDays: 7,
  }).template?.settings?.analysis as Record<string, Record<string, Record<string, unknown>>>;
  const mappings = new Map<string, string>();
  for (const rule of analysis.char_filter.logwarden_fold.mappings as string[]) {
    const [from, to] = rule.split('=>').map((side) => JSON.parse(`"${side}"`) as string);
    mappings.set(from, to);
  }
  let folded = '';
  for (const char of text) folded += mappings.get(char) ?? char;
  const tokenizer = analysis.tokenizer.logwarden_tokens;
  const diacritics = analysis.filter.logwarden_inner_diacritics;
  return (folded.match(new RegExp(tokenizer.pattern as string, 'gu')) ?? []).map((token) =>
    token.replace(new RegExp(diacritics.pattern as string, 'gu'), ''),
  );
}

describe('the text analyzer', () => {
  it('is the one the template sets on the text field, whole matches as tokens', () => {
    const template = eventIndexTemplate({
      indexPrefix: 'x',
      shards: 1,
      replicas: 0,
      retentionDays: 7,
    });
    expect(template.template?.settings?.analysis?.analyzer).toEqual({
      logwarden_text: {
        type: 'custom',
        char_filter: ['logwarden_fold'],
        tokenizer: 'logwarden_tokens',
        filter: ['logwarden_inner_diacritics', 'logwarden_token_length'],
      },
    });
    expect(template.template?.settings?.analysis?.tokenizer).toEqual({
      logwarden_tokens: { type: 'pattern', pattern: TOKEN_PATTERN, group: 0 },
    });
  });

  it('writes each rule with escapes only, as the mapping rule parser reads them', () => {
    expect(foldRules()).toContain('\\u0041=>\\u0061');
    expect(foldRules()).toContain('\\u00c9=>\\u0065');
    expect(foldRules()).toContain('\\ud801\\udc00=>\\ud801\\udc28');
    expect(foldRules().every((rule) => /^(\\u[0-9a-f]{4})+=>(\\u[0-9a-f]{4})+$/.test(rule))).toBe(
      true,
    );
  });

  it('makes the tokens textTokens makes', () => {
    const texts = [
      ...QUERY_EVENTS.map((e) => e.message).filter((m): m is string => typeof m === 'string'),
      'Café naïve ÉCOLE Ǆemal ΣΊΣΥΦΟΣ ſtraße µ İstanbul ı',
      'cafe\u0301s \u0301lead e\u0301\u0301 x\u0340y',
      'TAB\tNEW\nLINE 10.0.0.1:5432 user=admin 3/5 😀emoji 𐐀𐐨 ①②',
      '\uE000private\uE001 \uFFFE',
    ];
    const random = mulberry(3);
    for (let i = 0; i < 500; i++) {
      texts.push(
        Array.from({ length: 12 }, () => String.fromCodePoint(randomCodePoint(random))).join(''),
      );
    }
    for (const text of texts) expect([text, analyze(text)]).toEqual([text, textTokens(text)]);
  });
});

function randomCodePoint(random: () => number): number {
  const pools = [
    [0x20, 0x7f],
    [0xa0, 0x250],
    [0x300, 0x370],
    [0x370, 0x530],
    [0x1e00, 0x1f00],
    [0x10400, 0x10450],
  ];
  const [from, to] = pools[Math.floor(random() * pools.length)];
  return from + Math.floor(random() * (to - from));
}

function mulberry(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
