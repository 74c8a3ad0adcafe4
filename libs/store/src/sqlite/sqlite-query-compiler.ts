import {
  MAX_NUMERIC_DIGITS,
  TIMESTAMP_FIELD,
  rangeComparisons,
  termTargets,
  textTokens,
  translateWildcard,
  type QueryNode,
  type RangeNode,
  type TermNode,
  type TextNode,
  type WildcardDialect,
  type WildcardNode,
} from '@logwarden/query';
import type { TimeRange } from '../event-store.port';
import { containerCover } from './sqlite-container-index';

const CONTAINER_FIELD = 'container.name';

/**
 * Fields stored in their own column of `events` (alias `e`), so filters and aggregations
 * on them read no JSON. The `@timestamp` column holds `eventTimeMillis(@timestamp)`; every
 * other column holds the field's value when it is a string and NULL otherwise.
 */
export const SQLITE_FIELD_COLUMNS: Readonly<Record<string, string>> = {
  [TIMESTAMP_FIELD]: 'ts',
  [CONTAINER_FIELD]: 'container_name',
  'host.name': 'host_name',
  'service.name': 'service_name',
  'log.level': 'log_level',
  'event.dataset': 'dataset',
  'event.id': 'id',
};

export interface SqliteWhere {
  sql: string;
  params: unknown[];
  /**
   * A top-level conjunct matches one container's events, found in the container index:
   * reading just those by `seq` beats a scan of the range, which SQLite would otherwise
   * choose for want of statistics on the FTS lookup.
   */
  byContainer: boolean;
}

/**
 * Compiles a query into a WHERE expression over `events e` (plus `events_fts`, whose
 * rowid is `e.seq`). It matches exactly the events `compileMatcher` matches; every
 * value is a bound parameter. Given the time range the caller also filters `e.ts` by,
 * container equalities are served by the container index (sqlite-container-index.ts).
 */
export function compileSqliteWhere(node: QueryNode, range?: TimeRange): SqliteWhere {
  const params: unknown[] = [];
  const compiler = new WhereCompiler(params, range);
  const sql = compiler.compile(node);
  const conjuncts = node.kind === 'and' ? node.children : [node];
  const byContainer = conjuncts.some((child) => compiler.containerMatch(child) !== undefined);
  return { sql, params, byContainer };
}

/** The SQLite JSON path of a dotted field inside `doc`, with every key quoted. */
export function jsonPath(field: string): string {
  if (field.includes('"')) throw new Error(`Field ${field} cannot be queried: it contains '"'`);
  return `$${field
    .split('.')
    .map((key) => `."${key}"`)
    .join('')}`;
}

/**
 * SQL for one scalar value of each JSON type the predicate can match; `value` is the
 * SQL expression holding it. An absent entry means values of that type never match.
 */
interface ScalarPredicate {
  text?: (value: string) => string;
  number?: (value: string) => string;
  boolean?: boolean;
}

const GLOB: WildcardDialect = {
  anyRun: '*',
  oneChar: '?',
  literal: (char) => ('*?['.includes(char) ? `[${char}]` : char),
};

class WhereCompiler {
  constructor(
    private readonly params: unknown[],
    private readonly range: TimeRange | undefined,
  ) {}

  compile(node: QueryNode): string {
    switch (node.kind) {
      case 'all':
        return '1';
      case 'and':
      case 'or':
        return this.junction(node.kind, node.children);
      case 'not':
        // A comparison with a NULL column is NULL, and NOT NULL would drop the row;
        // a missing value means "no match", so NOT of it must match.
        return `NOT coalesce(${this.compile(node.child)}, 0)`;
      case 'text': {
        const query = ftsQuery(node);
        return query === undefined ? '0' : this.ftsMatch(query);
      }
      case 'exists':
        return this.exists(node.field);
      default: {
        const compared = this.field(node.field, this.predicate(node));
        const container = this.containerMatch(node);
        return container === undefined ? compared : `${compared} AND ${this.ftsMatch(container)}`;
      }
    }
  }

  /**
   * All full-text children, and under AND the container equalities, become one FTS5
   * MATCH (`message : "a" AND container : (...)`): one index lookup instead of one each.
   */
  private junction(kind: 'and' | 'or', children: QueryNode[]): string {
    const parts: string[] = [];
    const matches: string[] = [];
    let unsearchable = false;
    for (const child of children) {
      if (child.kind === 'text') {
        const query = ftsQuery(child);
        if (query === undefined) unsearchable = true;
        else matches.push(query);
        continue;
      }
      const container = kind === 'and' ? this.containerMatch(child) : undefined;
      if (container === undefined) parts.push(this.compile(child));
      else {
        parts.push(this.field(CONTAINER_FIELD, this.predicate(child as TermNode)));
        matches.push(container);
      }
    }
    // Under OR a text without words matches nothing and drops out; under AND it empties the group.
    if (kind === 'and' && unsearchable) parts.push('0');
    else if (matches.length > 0) {
      parts.push(this.ftsMatch(matches.join(kind === 'and' ? ' AND ' : ' OR ')));
    }
    return join(parts, kind === 'and' ? 'AND' : 'OR');
  }

  /**
   * The FTS5 query for a `container.name` equality over the compiled range; undefined
   * when the node is anything else or the range is too long for the index to pay.
   * Stored names are strings, so only the string form of the value can match.
   */
  containerMatch(node: QueryNode): string | undefined {
    if (node.kind !== 'term' || node.field !== CONTAINER_FIELD || !this.range) return undefined;
    const name = termTargets(node.value).string;
    if (name === undefined) return undefined;
    const tokens = containerCover(name, this.range.from, this.range.to);
    return tokens && tokens.length > 0 ? `container : (${tokens.join(' OR ')})` : undefined;
  }

  private ftsMatch(query: string): string {
    return `e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ${this.param(query)})`;
  }

  private exists(field: string): string {
    const column = SQLITE_FIELD_COLUMNS[field];
    if (column !== undefined) return `e.${column} IS NOT NULL`;
    const path = jsonPath(field);
    return (
      `(json_type(e.doc, ${this.param(path)}) = 'object' OR EXISTS (SELECT 1 FROM ` +
      `json_each(e.doc, ${this.param(path)}) AS j ` +
      `WHERE typeof(j.key) <> 'text' AND j.type <> 'null'))`
    );
  }

  private field(field: string, predicate: ScalarPredicate): string {
    const column = SQLITE_FIELD_COLUMNS[field];
    if (column !== undefined) {
      const ofType = field === TIMESTAMP_FIELD ? predicate.number : predicate.text;
      return ofType ? ofType(`e.${column}`) : '0';
    }
    const branches: ((value: string) => string)[] = [];
    const { text, number, boolean } = predicate;
    if (text) branches.push((v) => `j.type = 'text' AND ${text(v)}`);
    if (number) branches.push((v) => `j.type IN ('integer', 'real') AND ${number(v)}`);
    if (boolean !== undefined) branches.push(() => `j.type = '${boolean ? 'true' : 'false'}'`);
    if (branches.length === 0) return '0';
    // json_each yields the value itself when it is a scalar (key NULL), the elements
    // of an array (integer keys), and the members of an object (text keys), which
    // must not count.
    const path = this.param(jsonPath(field));
    return (
      `EXISTS (SELECT 1 FROM json_each(e.doc, ${path}) AS j WHERE typeof(j.key) <> 'text' ` +
      `AND (${branches.map((branch) => `(${branch('j.atom')})`).join(' OR ')}))`
    );
  }

  private predicate(node: TermNode | WildcardNode | RangeNode): ScalarPredicate {
    switch (node.kind) {
      case 'term': {
        const targets = termTargets(node.value);
        const { string, numericString, number } = targets;
        return {
          text:
            string !== undefined
              ? (v) => `${v} = ${this.param(string)}`
              : numericString !== undefined
                ? (v) => `${numericText(v)} AND CAST(${v} AS REAL) = ${this.param(numericString)}`
                : undefined,
          number: number !== undefined ? (v) => `${v} = ${this.param(number)}` : undefined,
          boolean: targets.boolean,
        };
      }
      case 'wildcard':
        return { text: (v) => `${v} GLOB ${this.param(translateWildcard(node.pattern, GLOB))}` };
      case 'range': {
        const { numeric, comparisons } = rangeComparisons(node);
        const compare = (v: string): string =>
          comparisons
            .map(({ operator, bound }) => `${v} ${operator} ${this.param(bound)}`)
            .join(' AND ');
        return numeric
          ? {
              text: (v) => `${numericText(v)} AND ${compare(`CAST(${v} AS REAL)`)}`,
              number: compare,
            }
          : { text: compare };
      }
    }
  }

  private param(value: unknown): string {
    this.params.push(value);
    return '?';
  }
}

/**
 * The FTS5 query for a text node: its tokens as one quoted phrase in the `message`
 * column, `*` marking the last as a prefix. Tokens hold only letters and digits, so
 * quoting needs no escaping.
 */
function ftsQuery(node: TextNode): string | undefined {
  const tokens = textTokens(node.value);
  if (tokens.length === 0) return undefined;
  return `message : "${tokens.join(' ')}"${node.prefix ? '*' : ''}`;
}

/** SQL for `parseNumericString(value) !== undefined`, built from GLOB since SQLite has no regex. */
function numericText(value: string): string {
  return (
    `(${value} GLOB '[0-9]*' OR ${value} GLOB '-[0-9]*') ` +
    `AND substr(${value}, 2) NOT GLOB '*[^0-9.]*' ` +
    `AND ${value} NOT GLOB '*.*.*' AND ${value} NOT GLOB '*.' ` +
    `AND length(${value}) - (${value} GLOB '-*') - (${value} GLOB '*.*') <= ${MAX_NUMERIC_DIGITS}`
  );
}

/**
 * Joins as a balanced tree: SQLite nests `a AND b AND c ...` one level per operand and
 * rejects expressions deeper than 1000, which a long query would otherwise reach.
 */
function join(parts: string[], operator: 'AND' | 'OR'): string {
  if (parts.length === 0) return operator === 'AND' ? '1' : '0';
  const build = (from: number, to: number): string => {
    if (to - from === 1) return `(${parts[from]})`;
    const middle = (from + to) >> 1;
    return `(${build(from, middle)} ${operator} ${build(middle, to)})`;
  };
  return build(0, parts.length);
}
