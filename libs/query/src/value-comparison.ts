import type { RangeBound, RangeNode, TermValue } from './query-ast';

/**
 * At most 15 digits: every such decimal integer is exactly representable as a double,
 * so a long numeric id ("12345678901234567890") stays a string instead of silently
 * matching its rounded neighbours. The SQLite compiler mirrors this definition.
 */
const NUMERIC_STRING = /^-?[0-9]+(\.[0-9]+)?$/;
export const MAX_NUMERIC_DIGITS = 15;

/** The number a string stands for when it is written as a plain decimal, else undefined. */
export function parseNumericString(text: string): number | undefined {
  if (!NUMERIC_STRING.test(text)) return undefined;
  const digits = text.length - (text[0] === '-' ? 1 : 0) - (text.includes('.') ? 1 : 0);
  return digits <= MAX_NUMERIC_DIGITS ? Number(text) : undefined;
}

/**
 * Orders strings by Unicode code point, which is how SQLite's BINARY collation orders
 * UTF-8 text. JavaScript's `<` compares UTF-16 code units and disagrees for characters
 * above U+FFFF versus U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * What a term value equals, by the JSON type of the field value it meets. Both the
 * in-memory matcher and the SQL compiler read term semantics from here. At most one of
 * `string` and `numericString` is set.
 */
export interface TermTargets {
  /** A string field value equal to this matches. */
  string?: string;
  /** A string field value that parses (`parseNumericString`) to this number matches. */
  numericString?: number;
  /** A number field value equal to this matches. */
  number?: number;
  /** A boolean field value equal to this matches. */
  boolean?: boolean;
}

export function termTargets(value: TermValue): TermTargets {
  switch (typeof value) {
    case 'number':
      return { numericString: value, number: value };
    case 'boolean':
      return { string: String(value), boolean: value };
    default:
      return {
        string: value,
        number: parseNumericString(value),
        boolean: value === 'true' ? true : value === 'false' ? false : undefined,
      };
  }
}

export type RangeOperator = '>' | '>=' | '<' | '<=';

/**
 * A range as a list of comparisons of one type: numeric when every bound is a number
 * (then numbers and numeric strings are compared), otherwise by code point against
 * string values, with number bounds written as strings.
 */
export interface RangeComparisons {
  numeric: boolean;
  comparisons: { operator: RangeOperator; bound: RangeBound }[];
}

const RANGE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export function rangeComparisons(node: RangeNode): RangeComparisons {
  const present = (['gt', 'gte', 'lt', 'lte'] as const).filter((key) => node[key] !== undefined);
  const numeric = present.every((key) => typeof node[key] === 'number');
  return {
    numeric,
    comparisons: present.map((key) => ({
      operator: RANGE_OPERATORS[key],
      bound: numeric ? (node[key] as number) : String(node[key]),
    })),
  };
}
