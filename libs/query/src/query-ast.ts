/**
 * The parsed form of a query. Plain JSON (no classes, no functions) so it can be
 * logged, stored with a rule and sent between processes. Every evaluator (in-memory
 * matcher, SQLite compiler, Elasticsearch compiler) must give it the same meaning:
 *
 * - Fields are dotted paths into the nested ECS event; only objects are traversed,
 *   never arrays. When the value found is an array, the node matches if any element
 *   (one level deep) matches.
 * - A missing or null field never matches `term`, `wildcard`, `range` or `text`, so
 *   `not` of such a node matches events that lack the field.
 * - `@timestamp` is compared as epoch milliseconds; its values in the AST are numbers.
 */
export type QueryNode =
  | AllNode
  | AndNode
  | OrNode
  | NotNode
  | TextNode
  | TermNode
  | WildcardNode
  | RangeNode
  | ExistsNode;

/** Matches every event: the empty query, or a bare `*`. */
export interface AllNode {
  kind: 'all';
}

export interface AndNode {
  kind: 'and';
  children: QueryNode[];
}

export interface OrNode {
  kind: 'or';
  children: QueryNode[];
}

export interface NotNode {
  kind: 'not';
  child: QueryNode;
}

/**
 * Full-text search on `message`, with SQLite FTS5 `unicode61` tokenization (see
 * `textTokens`). The tokens of `value` must appear consecutively, so a single-token
 * value is a word search and a multi-token value (`"connection refused"` or
 * `foo-bar`) is a phrase search. With `prefix`, the last token matches any token
 * that starts with it.
 */
export interface TextNode {
  kind: 'text';
  value: string;
  prefix: boolean;
}

/**
 * Exact, case-sensitive equality. Strings match strings exactly; numbers compare
 * numerically, and a numeric string on either side counts as its number
 * (`parseNumericString`); booleans match `true`/`false` and the strings "true"/"false".
 */
export interface TermNode {
  kind: 'term';
  field: string;
  value: TermValue;
}

export type TermValue = string | number | boolean;

/**
 * Anchored, case-sensitive pattern over string values: `*` matches any run of
 * characters, `?` exactly one character (code point), and `\` makes the next
 * character literal.
 */
export interface WildcardNode {
  kind: 'wildcard';
  field: string;
  pattern: string;
}

/**
 * All bounds present have the same type. Number bounds compare numerically against
 * numbers and numeric strings; string bounds compare by Unicode code point against
 * strings only.
 */
export interface RangeNode {
  kind: 'range';
  field: string;
  gt?: RangeBound;
  gte?: RangeBound;
  lt?: RangeBound;
  lte?: RangeBound;
}

export type RangeBound = number | string;

/** The field is present with a non-null value (for an array: a non-null element). */
export interface ExistsNode {
  kind: 'exists';
  field: string;
}

/** The field full-text search runs on. */
export const MESSAGE_FIELD = 'message';

/** The event-time field, compared as epoch milliseconds. */
export const TIMESTAMP_FIELD = '@timestamp';

/** The fields a query reads, e.g. to tell whether a rule filter depends on a field. */
export function fieldsOf(node: QueryNode): Set<string> {
  const fields = new Set<string>();
  const visit = (n: QueryNode): void => {
    switch (n.kind) {
      case 'all':
        return;
      case 'and':
      case 'or':
        n.children.forEach(visit);
        return;
      case 'not':
        visit(n.child);
        return;
      case 'text':
        fields.add(MESSAGE_FIELD);
        return;
      default:
        fields.add(n.field);
    }
  };
  visit(node);
  return fields;
}
