import { QuerySyntaxError } from './query-syntax-error';

/**
 * Splits a query into operators, parentheses and whole terms (`field:value`, ranges,
 * quoted phrases, bare words). liqe only ever sees these tokens in a normalized form,
 * because its own lexer rejects ordinary log values: IP addresses (`10.0.0.1`),
 * `@timestamp`, dates and date math in ranges, open ranges (`[500 TO *]`), paths.
 */

export type ComparisonOperator = ':' | '>' | '>=' | '<' | '<=';

export type QueryToken = TermToken | OperatorToken;

export interface TermToken {
  type: 'term';
  term: RawTerm;
  start: number;
  end: number;
}

export interface OperatorToken {
  type: 'AND' | 'OR' | 'NOT' | '(' | ')';
  start: number;
  end: number;
}

export interface RawTerm {
  field?: string;
  operator: ComparisonOperator;
  value: RawValue | RawRange;
  start: number;
}

export type RawValue = QuotedValue | WordValue;

/** `"..."`: literal text, `\` escapes the next character. */
export interface QuotedValue {
  kind: 'quoted';
  text: string;
  start: number;
}

/**
 * An unquoted value. `text` has escapes resolved; `pattern` keeps the unescaped `*`
 * and `?` as wildcards in `WildcardNode` syntax.
 */
export interface WordValue {
  kind: 'word';
  text: string;
  pattern: string;
  wildcards: number;
  endsWithWildcardStar: boolean;
  start: number;
}

/** `[a TO b]` (inclusive) or `{a TO b}` (exclusive), mixable; an absent bound is `*`. */
export interface RawRange {
  kind: 'range';
  lower?: RawValue;
  upper?: RawValue;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  start: number;
}

const MAX_NESTING = 32;
const KEYWORDS = new Set(['AND', 'OR', 'NOT']);
const FIELD_NAME = /^[\p{L}_@$][\p{L}\p{N}_@$/-]*(\.[\p{L}\p{N}_@$/-]+)*$/u;
const SPACE = /\s/;

export function lexQuery(query: string): QueryToken[] {
  return new Lexer(query).tokens();
}

class Lexer {
  private pos = 0;

  constructor(private readonly query: string) {}

  tokens(): QueryToken[] {
    const tokens: QueryToken[] = [];
    const openParens: number[] = [];
    for (this.skipSpace(); this.pos < this.query.length; this.skipSpace()) {
      const start = this.pos;
      const char = this.query[start];
      if (char === '(') {
        if (openParens.length === MAX_NESTING) {
          throw new QuerySyntaxError(
            'Parentheses nested too deeply',
            start,
            `the limit is ${MAX_NESTING} levels`,
          );
        }
        openParens.push(start);
        tokens.push(this.operator('('));
      } else if (char === ')') {
        if (openParens.length === 0) {
          throw new QuerySyntaxError('Unexpected ")"', start, 'there is no "(" to close');
        }
        const previous = tokens[tokens.length - 1];
        if (previous.type === '(') throw new QuerySyntaxError('Empty parentheses', previous.start);
        openParens.pop();
        tokens.push(this.operator(')'));
      } else if (char === '-' && this.startsOperand(start + 1)) {
        tokens.push(this.operator('NOT'));
      } else if (char === '!') {
        throw new QuerySyntaxError('Unexpected "!"', start, 'negate with NOT or -');
      } else {
        tokens.push(this.termOrKeyword());
      }
    }
    if (openParens.length > 0) {
      throw new QuerySyntaxError('Missing ")" to close the "("', openParens[openParens.length - 1]);
    }
    return tokens;
  }

  private operator(type: OperatorToken['type']): OperatorToken {
    const start = this.pos++;
    return { type, start, end: this.pos };
  }

  private startsOperand(index: number): boolean {
    const char = this.query[index];
    return char !== undefined && char !== ')' && !SPACE.test(char);
  }

  private termOrKeyword(): QueryToken {
    const start = this.pos;
    if (this.query[start] === '"') {
      const quoted = this.quoted();
      if (this.query[this.pos] === ':') return this.fieldTerm(quoted.text, start, true);
      return this.finishTerm({ operator: ':', value: quoted, start });
    }
    const word = this.word((char) => char === ':');
    const raw = this.query.slice(start, this.pos);
    if (this.query[this.pos] === ':') return this.fieldTerm(raw, start, false);
    if (KEYWORDS.has(raw)) return { type: raw as OperatorToken['type'], start, end: this.pos };
    return this.finishTerm({ operator: ':', value: word, start });
  }

  private fieldTerm(field: string, start: number, quoted: boolean): TermToken {
    if (!(quoted ? isQuotedFieldName(field) : FIELD_NAME.test(field))) {
      throw new QuerySyntaxError(
        field === '' ? 'Missing field name before ":"' : `Invalid field name "${field}"`,
        start,
        'quote a value that contains ":" to search for it',
      );
    }
    this.pos++;
    const operator = this.comparisonOperator();
    const spaced = this.skipSpace();
    const valueStart = this.pos;
    const next = this.query[valueStart];
    const missing = () =>
      new QuerySyntaxError(
        `Missing value for field "${field}"`,
        valueStart,
        'use field:* to match any value',
      );
    if (next === undefined || next === '(' || next === ')') throw missing();
    if (next === '"') return this.finishTerm({ field, operator, value: this.quoted(), start });
    if ((next === '[' || next === '{') && operator === ':') {
      return this.finishTerm({ field, operator, value: this.range(), start });
    }
    const word = this.word(() => false);
    const raw = this.query.slice(valueStart, this.pos);
    if (spaced && KEYWORDS.has(raw)) throw missing();
    if (raw.length > 1 && raw.startsWith('/') && raw.endsWith('/')) {
      throw new QuerySyntaxError(
        'Regular expressions are not supported',
        valueStart,
        'quote the value to search for it literally',
      );
    }
    return this.finishTerm({ field, operator, value: word, start });
  }

  private comparisonOperator(): ComparisonOperator {
    for (const operator of ['>=', '<=', '>', '<', '='] as const) {
      if (this.query.startsWith(operator, this.pos)) {
        this.pos += operator.length;
        return operator === '=' ? ':' : operator;
      }
    }
    return ':';
  }

  private finishTerm(term: RawTerm): TermToken {
    const next = this.query[this.pos];
    if (next !== undefined && next !== '(' && next !== ')' && !SPACE.test(next)) {
      throw new QuerySyntaxError(`Unexpected "${next}"`, this.pos, 'separate terms with a space');
    }
    return { type: 'term', term, start: term.start, end: this.pos };
  }

  private quoted(): QuotedValue {
    const start = this.pos;
    let text = '';
    for (this.pos++; this.pos < this.query.length; this.pos++) {
      const char = this.query[this.pos];
      if (char === '"') {
        this.pos++;
        return { kind: 'quoted', text, start };
      }
      if (char === '\\' && this.pos + 1 < this.query.length) this.pos++;
      text += this.query[this.pos];
    }
    throw new QuerySyntaxError('Unterminated quoted string', start, 'add the closing "');
  }

  /** Reads up to whitespace, a parenthesis or an unescaped `stop` character. */
  private word(stop: (char: string) => boolean): WordValue {
    const start = this.pos;
    let text = '';
    let pattern = '';
    let wildcards = 0;
    let endsWithWildcardStar = false;
    while (this.pos < this.query.length) {
      const char = this.query[this.pos];
      if (SPACE.test(char) || char === '(' || char === ')' || stop(char)) break;
      endsWithWildcardStar = char === '*';
      if (char === '\\') {
        const escaped = this.query[this.pos + 1];
        if (escaped === undefined) {
          throw new QuerySyntaxError('Nothing to escape after "\\"', this.pos);
        }
        text += escaped;
        pattern += char + escaped;
        this.pos += 2;
        continue;
      }
      if (char === '*' || char === '?') wildcards++;
      text += char;
      pattern += char;
      this.pos++;
    }
    return { kind: 'word', text, pattern, wildcards, endsWithWildcardStar, start };
  }

  private range(): RawRange {
    const start = this.pos;
    const lowerInclusive = this.query[this.pos++] === '[';
    this.skipSpace();
    const lower = this.rangeBound();
    if (!this.skipSpace() || !this.query.startsWith('TO', this.pos)) {
      throw new QuerySyntaxError('Expected " TO "', this.pos, 'write ranges as [from TO to]');
    }
    this.pos += 2;
    if (!this.skipSpace()) {
      throw new QuerySyntaxError('Expected " TO "', this.pos - 2, 'write ranges as [from TO to]');
    }
    const upper = this.rangeBound();
    this.skipSpace();
    const close = this.query[this.pos];
    if (close !== ']' && close !== '}') {
      throw new QuerySyntaxError('Expected "]" or "}"', this.pos, 'to close the range');
    }
    this.pos++;
    return { kind: 'range', lower, upper, lowerInclusive, upperInclusive: close === ']', start };
  }

  private rangeBound(): RawValue | undefined {
    const start = this.pos;
    if (this.query[start] === '"') return this.quoted();
    const word = this.word((char) => char === ']' || char === '}');
    if (word.pattern === '' || word.pattern === 'TO') {
      throw new QuerySyntaxError('Missing range bound', start, 'use * for an open end');
    }
    if (word.pattern === '*') return undefined;
    if (word.wildcards > 0) {
      throw new QuerySyntaxError('Wildcards are not allowed in range bounds', start);
    }
    return word;
  }

  /** Returns whether any whitespace was skipped. */
  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.query.length && SPACE.test(this.query[this.pos])) this.pos++;
    return this.pos > start;
  }
}

function isQuotedFieldName(field: string): boolean {
  return !field.includes('"') && field.split('.').every((segment) => segment !== '');
}
