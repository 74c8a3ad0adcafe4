import type {
  IlmPolicy,
  IndicesIndexSettings,
  IndicesPutIndexTemplateRequest,
  MappingTypeMapping,
} from '@elastic/elasticsearch/lib/api/types';
import { textTokens } from '@logwarden/query';

/**
 * How events are laid out in Elasticsearch. The event itself is `_source`, unindexed
 * (`dynamic: false`): a field's mapped type would be fixed by the first event that
 * carries it, while the query language compares each value by its own JSON type
 * (`404` and `"404"` both match `status:404`, only `"404"` is a string). So each stored
 * document also carries, under `QUERY_FIELDS` and excluded from `_source`, its values
 * sorted by JSON type into channels, each field of a channel having one type:
 *
 * - `string.<path>` (keyword): string values;
 * - `number.<path>` (double): number values;
 * - `numeric_string.<path>` (double): string values written as plain decimals, as numbers;
 * - `boolean.<path>` (boolean): boolean values;
 * - `present` (keyword): every path with a non-null value (objects included);
 * - `text`: `message` when it is a string, analyzed into the tokens of `textTokens`.
 *
 * A path is the dotted path the query language reads: objects are traversed, arrays
 * only yield their scalar elements. The channel objects have `subobjects: false`, so
 * `labels` (a string in one event) and `labels.team` (in another) are two leaf fields,
 * not an object/value conflict that would reject the document.
 */
export const QUERY_FIELDS = '@logwarden';

export type ValueChannel = 'string' | 'number' | 'numeric_string' | 'boolean';

export const PRESENT_FIELD = `${QUERY_FIELDS}.present`;
export const TEXT_FIELD = `${QUERY_FIELDS}.text`;

/** The field holding the values of one JSON type found at `path`. */
export function channelField(channel: ValueChannel, path: string): string {
  return `${QUERY_FIELDS}.${channel}.${path}`;
}

/**
 * Longest keyword value and text token indexed, in UTF-16 units: three UTF-8 bytes each at
 * most, which keeps every term below Lucene's limit of 32,766 bytes, past which the whole
 * document would be rejected. Longer values are stored but cannot be matched.
 */
export const MAX_INDEXED_CHARS = 8191;

/**
 * Distinct channel fields one daily index maps. Events with more new paths are still
 * indexed; the fields beyond the limit are just not (`ignore_dynamic_beyond_limit`).
 */
export const TOTAL_FIELDS_LIMIT = 5000;

/** Above Elasticsearch's built-in templates (100), so a prefix like `logs` cannot lose to `logs-*-*`. */
const TEMPLATE_PRIORITY = 200;

export interface EventIndexSettings {
  indexPrefix: string;
  shards: number;
  replicas: number;
  retentionDays: number;
}

/** Names of the template, the lifecycle policy and the daily indices, all under the prefix. */
export class EventIndexNames {
  readonly template: string;
  readonly policy: string;
  /** Every daily index: what searches run on. */
  readonly pattern: string;

  constructor(private readonly prefix: string) {
    this.template = `${prefix}-events`;
    this.policy = `${prefix}-events`;
    this.pattern = `${prefix}-events-*`;
  }

  /**
   * The index of an event time: one per UTC day. The name ends with the day so that ILM
   * (`parse_origination_date`) counts an index's age from its events' day, not from when
   * it was created.
   */
  index(ms: number): string {
    const day = new Date(ms);
    const month = String(day.getUTCMonth() + 1).padStart(2, '0');
    const date = String(day.getUTCDate()).padStart(2, '0');
    return `${this.prefix}-events-${String(day.getUTCFullYear()).padStart(4, '0')}.${month}.${date}`;
  }
}

/**
 * Deletes a daily index once its last event is `retentionDays` old: an index's age
 * counts from the start of its day, so one day more keeps every event at least that long.
 */
export function retentionPolicy(retentionDays: number): IlmPolicy {
  return { phases: { delete: { min_age: `${retentionDays + 1}d`, actions: { delete: {} } } } };
}

export type EventIndexTemplate = Omit<IndicesPutIndexTemplateRequest, 'name'>;

export function eventIndexTemplate(settings: EventIndexSettings): EventIndexTemplate {
  const names = new EventIndexNames(settings.indexPrefix);
  return {
    index_patterns: [names.pattern],
    priority: TEMPLATE_PRIORITY,
    // Daily indices are created by the first event of each day, even on clusters that
    // restrict `action.auto_create_index`.
    allow_auto_create: true,
    template: {
      settings: indexSettings(settings, names.policy),
      mappings: EVENT_MAPPINGS,
    },
  };
}

function indexSettings(settings: EventIndexSettings, policy: string): IndicesIndexSettings {
  return {
    number_of_shards: settings.shards,
    number_of_replicas: settings.replicas,
    lifecycle: { name: policy, parse_origination_date: true },
    mapping: {
      total_fields: { limit: TOTAL_FIELDS_LIMIT, ignore_dynamic_beyond_limit: true },
    },
    analysis: {
      char_filter: { logwarden_fold: { type: 'mapping', mappings: foldRules() } },
      tokenizer: { logwarden_tokens: { type: 'pattern', pattern: TOKEN_PATTERN, group: 0 } },
      filter: {
        logwarden_inner_diacritics: {
          type: 'pattern_replace',
          pattern: `[${INNER_DIACRITICS}]`,
          replacement: '',
        },
        logwarden_token_length: { type: 'length', max: MAX_INDEXED_CHARS },
      },
      analyzer: {
        logwarden_text: {
          type: 'custom',
          char_filter: ['logwarden_fold'],
          tokenizer: 'logwarden_tokens',
          filter: ['logwarden_inner_diacritics', 'logwarden_token_length'],
        },
      },
    },
  };
}

const channelObject = { type: 'object', dynamic: true, subobjects: false } as const;

const EVENT_MAPPINGS: MappingTypeMapping = {
  dynamic: false,
  date_detection: false,
  _source: { excludes: [QUERY_FIELDS] },
  dynamic_templates: [
    {
      strings: {
        path_match: `${QUERY_FIELDS}.string.*`,
        mapping: { type: 'keyword', ignore_above: MAX_INDEXED_CHARS },
      },
    },
    { numbers: { path_match: `${QUERY_FIELDS}.number.*`, mapping: { type: 'double' } } },
    {
      numeric_strings: {
        path_match: `${QUERY_FIELDS}.numeric_string.*`,
        mapping: { type: 'double' },
      },
    },
    { booleans: { path_match: `${QUERY_FIELDS}.boolean.*`, mapping: { type: 'boolean' } } },
  ],
  properties: {
    '@timestamp': { type: 'date' },
    tenant: { type: 'keyword' },
    event: { properties: { id: { type: 'keyword' } } },
    [QUERY_FIELDS]: {
      properties: {
        string: channelObject,
        number: channelObject,
        numeric_string: channelObject,
        boolean: channelObject,
        present: { type: 'keyword', ignore_above: MAX_INDEXED_CHARS },
        text: {
          type: 'text',
          analyzer: 'logwarden_text',
          // Phrases need positions; nothing is scored, so no norms.
          index_options: 'positions',
          norms: false,
        },
      },
    },
  },
};

/** Token characters of `textTokens` (FTS5 unicode61), in Java regex syntax that JavaScript reads alike. */
const TOKEN_CHARS = '\\p{L}\\p{N}\\p{Co}\\p{Cn}';

/**
 * The combining diacritics unicode61 keeps inside a token and folds away: between two
 * token characters they vanish, anywhere else they separate tokens.
 */
const INNER_DIACRITICS = Array.from({ length: 0x70 }, (_, i) => 0x300 + i)
  .filter((code) => textTokens(`a${String.fromCodePoint(code)}b`).join() === 'ab')
  .map(javaEscape)
  .join('');

/** One token: a token character, then token characters or inner diacritics. */
export const TOKEN_PATTERN = `[${TOKEN_CHARS}][${TOKEN_CHARS}${INNER_DIACRITICS}]*`;

let rules: string[] | undefined;

/**
 * `mapping` char filter rules folding each character as `textTokens` does (case folding
 * and removal of a single diacritic over a Latin letter), read from `textTokens` itself
 * so the two cannot drift apart. Beyond the Basic Multilingual Plane it folds only
 * Deseret, as unicode61 does.
 */
export function foldRules(): string[] {
  if (rules) return rules;
  rules = [];
  const codes = [
    ...Array.from({ length: 0xd800 }, (_, i) => i),
    ...Array.from({ length: 0x2000 }, (_, i) => 0xe000 + i),
    ...Array.from({ length: 0x50 }, (_, i) => 0x10400 + i),
  ];
  for (const code of codes) {
    const char = String.fromCodePoint(code);
    const tokens = textTokens(char);
    if (tokens.length === 1 && tokens[0] !== char) {
      rules.push(`${javaEscapeAll(char)}=>${javaEscapeAll(tokens[0])}`);
    }
  }
  return rules;
}

function javaEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Every UTF-16 unit escaped, the only form the mapping rule parser reads for any character. */
function javaEscapeAll(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += javaEscape(text.charCodeAt(i));
  return out;
}
