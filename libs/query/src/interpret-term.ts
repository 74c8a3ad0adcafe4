import type { RawRange, RawTerm, RawValue, WordValue } from './lex-query';
import {
  MESSAGE_FIELD,
  TIMESTAMP_FIELD,
  type QueryNode,
  type RangeBound,
  type RangeNode,
  type TermValue,
  type TextNode,
} from './query-ast';
import { QuerySyntaxError } from './query-syntax-error';
import { textTokens } from './text-tokens';
import { parseTime, type Rounding } from './time-expressions';
import { parseNumericString } from './value-comparison';

type BoundKey = 'gt' | 'gte' | 'lt' | 'lte';

/** Gives one lexed term its meaning, which depends on the field it targets. */
export function interpretTerm(term: RawTerm, now: number): QueryNode {
  if (term.field === undefined || term.field === MESSAGE_FIELD) return fullText(term);
  if (term.field === TIMESTAMP_FIELD) return timestamp(term, now);
  return keyword(term, term.field);
}

function fullText(term: RawTerm): QueryNode {
  const { value } = term;
  if (term.operator !== ':' || value.kind === 'range') {
    throw new QuerySyntaxError(
      `"${MESSAGE_FIELD}" supports full-text search only`,
      term.start,
      'use words, "phrases" or prefix*',
    );
  }
  if (isStar(value)) return term.field ? { kind: 'exists', field: term.field } : { kind: 'all' };
  if (value.kind === 'word' && value.wildcards > 0) {
    if (value.wildcards > 1 || !value.endsWithWildcardStar) {
      throw new QuerySyntaxError(
        'Wildcards in full-text search only work at the end of a word',
        value.start,
        'like connect*',
      );
    }
    return searchable({ kind: 'text', value: value.text.slice(0, -1), prefix: true }, value);
  }
  return searchable({ kind: 'text', value: value.text, prefix: false }, value);
}

function searchable(node: TextNode, value: RawValue): QueryNode {
  if (textTokens(node.value).length === 0) {
    throw new QuerySyntaxError(
      `Nothing to search for in "${value.text}"`,
      value.start,
      'full-text search needs letters or digits',
    );
  }
  return node;
}

function keyword(term: RawTerm, field: string): QueryNode {
  const { value } = term;
  if (value.kind === 'range') {
    return range(field, value, (bounds) => {
      const numbers = bounds.map((bound) => numberIn(bound));
      return numbers.every((n) => n !== undefined) ? numbers : bounds.map((bound) => bound.text);
    });
  }
  if (term.operator !== ':') {
    if (value.kind === 'word' && value.wildcards > 0) {
      throw new QuerySyntaxError('Wildcards are not allowed in comparisons', value.start);
    }
    return comparison(field, term.operator, numberIn(value) ?? value.text);
  }
  if (isStar(value)) return { kind: 'exists', field };
  if (value.kind === 'quoted') return { kind: 'term', field, value: value.text };
  if (value.wildcards > 0) return { kind: 'wildcard', field, pattern: value.pattern };
  return { kind: 'term', field, value: literal(value) };
}

function timestamp(term: RawTerm, now: number): QueryNode {
  const { value } = term;
  const field = TIMESTAMP_FIELD;
  const time = (raw: RawValue, rounding: Rounding): number => {
    try {
      return parseTime(raw.text, now, rounding);
    } catch {
      throw new QuerySyntaxError(
        `Invalid time "${raw.text}"`,
        raw.start,
        'expected ISO-8601, epoch milliseconds or date math like now-15m',
      );
    }
  };
  if (value.kind === 'range') {
    return range(field, value, (bounds, keys) =>
      bounds.map((bound, i) => time(bound, roundingFor(keys[i]))),
    );
  }
  if (value.kind === 'word' && value.wildcards > 0) {
    if (isStar(value) && term.operator === ':') return { kind: 'exists', field };
    throw new QuerySyntaxError(`Wildcards are not supported on ${field}`, value.start);
  }
  if (term.operator === ':') return { kind: 'term', field, value: time(value, 'down') };
  const rounding = roundingFor(COMPARISON_BOUND[term.operator]);
  return comparison(field, term.operator, time(value, rounding));
}

/** An exclusive lower or inclusive upper bound covers its whole rounded unit (see Rounding). */
function roundingFor(key: BoundKey): Rounding {
  return key === 'gt' || key === 'lte' ? 'up' : 'down';
}

/**
 * Builds a range node; `convert` turns the bounds present into values of one type,
 * given which side (`gt`, `gte`, `lt`, `lte`) each bound is on.
 */
function range(
  field: string,
  value: RawRange,
  convert: (bounds: RawValue[], keys: BoundKey[]) => RangeBound[],
): QueryNode {
  const bounds: RawValue[] = [];
  const keys: BoundKey[] = [];
  if (value.lower) {
    bounds.push(value.lower);
    keys.push(value.lowerInclusive ? 'gte' : 'gt');
  }
  if (value.upper) {
    bounds.push(value.upper);
    keys.push(value.upperInclusive ? 'lte' : 'lt');
  }
  if (bounds.length === 0) return { kind: 'exists', field };
  const node: RangeNode = { kind: 'range', field };
  convert(bounds, keys).forEach((bound, i) => (node[keys[i]] = bound));
  return node;
}

const COMPARISON_BOUND = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const;

function comparison(
  field: string,
  operator: keyof typeof COMPARISON_BOUND,
  bound: RangeBound,
): RangeNode {
  return { kind: 'range', field, [COMPARISON_BOUND[operator]]: bound };
}

function isStar(value: RawValue): boolean {
  return value.kind === 'word' && value.pattern === '*';
}

function numberIn(value: RawValue): number | undefined {
  return value.kind === 'word' ? parseNumericString(value.text) : undefined;
}

function literal(value: WordValue): TermValue {
  const number = parseNumericString(value.text);
  if (number !== undefined) return number;
  if (value.text === 'true' || value.text === 'false') return value.text === 'true';
  return value.text;
}
