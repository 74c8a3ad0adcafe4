import type { QueryDslQueryContainer } from '@elastic/elasticsearch/lib/api/types';
import {
  TIMESTAMP_FIELD,
  rangeComparisons,
  termTargets,
  textTokens,
  translateWildcard,
  type RangeNode,
  type TermNode,
  type TextNode,
  type WildcardDialect,
  type QueryNode,
} from '@logwarden/query';
import {
  PRESENT_FIELD,
  TEXT_FIELD,
  channelField,
  type ValueChannel,
} from './elasticsearch-event-mapping';

export type EsQuery = QueryDslQueryContainer;

const MATCH_ALL: EsQuery = { match_all: {} };
const MATCH_NONE: EsQuery = { match_none: {} };

/**
 * Compiles a query into Elasticsearch DSL over the query fields of
 * elasticsearch-event-mapping.ts. It matches exactly the events `compileMatcher` matches:
 * each value is compared in the channel of its JSON type, as the matcher switches on
 * `typeof`, and a missing field simply has no value to match, so `must_not` needs none
 * of SQL's NULL care. Everything is a filter: nothing is scored.
 */
export function compileElasticsearchQuery(node: QueryNode): EsQuery {
  switch (node.kind) {
    case 'all':
      return MATCH_ALL;
    case 'and':
      return allOf(node.children.map(compileElasticsearchQuery));
    case 'or':
      return anyOf(node.children.map(compileElasticsearchQuery));
    case 'not':
      return negate(compileElasticsearchQuery(node.child));
    case 'text':
      return text(node);
    case 'exists':
      return { term: { [PRESENT_FIELD]: node.field } };
    case 'term':
      return node.field === TIMESTAMP_FIELD ? timestampTerm(node) : term(node);
    case 'wildcard':
      // `@timestamp` is compared as a number, which no pattern matches.
      if (node.field === TIMESTAMP_FIELD) return MATCH_NONE;
      return {
        wildcard: { [channelField('string', node.field)]: { value: luceneWildcard(node.pattern) } },
      };
    case 'range':
      return range(node);
  }
}

function term(node: TermNode): EsQuery {
  const targets = termTargets(node.value);
  const field = (channel: ValueChannel) => channelField(channel, node.field);
  const clauses: EsQuery[] = [];
  if (targets.string !== undefined) clauses.push({ term: { [field('string')]: targets.string } });
  if (targets.numericString !== undefined) {
    clauses.push({ term: { [field('numeric_string')]: targets.numericString } });
  }
  if (targets.number !== undefined) clauses.push({ term: { [field('number')]: targets.number } });
  if (targets.boolean !== undefined)
    clauses.push({ term: { [field('boolean')]: targets.boolean } });
  return anyOf(clauses);
}

/** The matcher compares event time as epoch milliseconds, so only a number target can match it. */
function timestampTerm(node: TermNode): EsQuery {
  const ms = termTargets(node.value).number;
  if (ms === undefined) return MATCH_NONE;
  return { range: { [TIMESTAMP_FIELD]: { gte: ms, lte: ms, format: 'epoch_millis' } } };
}

function range(node: RangeNode): EsQuery {
  const { numeric, comparisons } = rangeComparisons(node);
  const bounds: Record<string, number | string> = {};
  for (const { operator, bound } of comparisons) bounds[RANGE_KEYS[operator]] = bound;
  if (node.field === TIMESTAMP_FIELD) {
    return numeric
      ? { range: { [TIMESTAMP_FIELD]: { ...bounds, format: 'epoch_millis' } } }
      : MATCH_NONE;
  }
  if (!numeric) return { range: { [channelField('string', node.field)]: bounds } };
  return anyOf([
    { range: { [channelField('numeric_string', node.field)]: bounds } },
    { range: { [channelField('number', node.field)]: bounds } },
  ]);
}

const RANGE_KEYS = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const;

/**
 * The tokens of the text, consecutive, with the last one a prefix when asked. The text
 * field holds exactly the tokens `textTokens` makes, so the tokens are looked up as
 * they are, with no analysis at search time; a single prefix is a `prefix` query, which
 * unlike `match_phrase_prefix` has no expansion limit.
 */
function text(node: TextNode): EsQuery {
  const tokens = textTokens(node.value);
  if (tokens.length === 0) return MATCH_NONE;
  const last = tokens[tokens.length - 1];
  if (tokens.length === 1) {
    return node.prefix ? { prefix: { [TEXT_FIELD]: last } } : { term: { [TEXT_FIELD]: last } };
  }
  return {
    span_near: {
      clauses: [
        ...tokens.slice(0, -1).map((token) => ({ span_term: { [TEXT_FIELD]: token } })),
        node.prefix
          ? { span_multi: { match: { prefix: { [TEXT_FIELD]: { value: last } } } } }
          : { span_term: { [TEXT_FIELD]: last } },
      ],
      slop: 0,
      in_order: true,
    },
  };
}

const LUCENE_WILDCARD: WildcardDialect = {
  anyRun: '*',
  oneChar: '?',
  literal: (char) => ('*?\\'.includes(char) ? `\\${char}` : char),
};

function luceneWildcard(pattern: string): string {
  return translateWildcard(pattern, LUCENE_WILDCARD);
}

/** A conjunction, flattened: nested conjunctions and negations merge into one `bool`. */
export function allOf(queries: EsQuery[]): EsQuery {
  const filter: EsQuery[] = [];
  const mustNot: EsQuery[] = [];
  for (const query of queries) {
    if (query === MATCH_NONE) return MATCH_NONE;
    if (query === MATCH_ALL) continue;
    const bool = pureBool(query);
    if (bool && !bool.should) {
      filter.push(...(bool.filter ?? []));
      mustNot.push(...(bool.must_not ?? []));
    } else filter.push(query);
  }
  if (mustNot.length === 0) {
    if (filter.length === 0) return MATCH_ALL;
    if (filter.length === 1) return filter[0];
  }
  return {
    bool: {
      ...(filter.length > 0 && { filter }),
      ...(mustNot.length > 0 && { must_not: mustNot }),
    },
  };
}

/**
 * A disjunction, flattened: nested disjunctions merge, and exact values of one field
 * become one `terms` query, so `level:(error OR warn OR ...)` stays a single clause
 * however long it is.
 */
function anyOf(queries: EsQuery[]): EsQuery {
  const should: EsQuery[] = [];
  const values = new Map<string, unknown[]>();
  const collect = (query: EsQuery): void => {
    if (query === MATCH_NONE) return;
    const bool = pureBool(query);
    if (bool?.should && !bool.filter && !bool.must_not) {
      bool.should.forEach(collect);
      return;
    }
    const [field, value] = query.term ? Object.entries(query.term)[0] : [];
    const list = field === undefined ? undefined : values.get(field);
    if (field === undefined) should.push(query);
    else if (list) list.push(value);
    else {
      values.set(field, [value]);
      should.push(query);
    }
  };
  for (const query of queries) {
    if (query === MATCH_ALL) return MATCH_ALL;
    collect(query);
  }
  const clauses = should.map((query) => {
    const [field] = query.term ? Object.keys(query.term) : [];
    const list = field === undefined ? undefined : values.get(field);
    return list && list.length > 1 ? { terms: { [field]: list } } : query;
  });
  if (clauses.length === 0) return MATCH_NONE;
  if (clauses.length === 1) return clauses[0];
  return { bool: { should: clauses, minimum_should_match: 1 } };
}

/** A negation; negating a negation or a conjunction of negations needs no new `bool`. */
function negate(query: EsQuery): EsQuery {
  if (query === MATCH_ALL) return MATCH_NONE;
  if (query === MATCH_NONE) return MATCH_ALL;
  const bool = pureBool(query);
  if (bool?.must_not && !bool.filter && !bool.should) return anyOf(bool.must_not);
  return { bool: { must_not: [query] } };
}

interface Bool {
  filter?: EsQuery[];
  must_not?: EsQuery[];
  should?: EsQuery[];
}

/** The clauses of a `bool` this compiler built (nothing but the query itself). */
function pureBool(query: EsQuery): Bool | undefined {
  if (!query.bool || Object.keys(query).length !== 1) return undefined;
  return query.bool as Bool;
}
