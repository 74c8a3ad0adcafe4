import { QuerySyntaxError } from './query-syntax-error';

/**
 * Splits a query into operators, parentheses and whole terms (`field:value`, ranges,
 * quoted phrases, bare words). liqe only ever sees these tokens in a normalized form,
 * because its own lexer rejects ordinary log values: IP addresses (`10.0.0.1`),
 * `@timestamp`, dates and date math in ranges, open ranges (`[500 TO *]`), paths.
 *
 * A field group `field:(a OR b)` becomes the tokens of `(field:a OR field:b)`: every
 * value inside takes the group's field, so the AST, and every evaluator, needs nothing
 * new, and the group's own parentheses keep `NOT field:(a OR b)` negating all of it.
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
/** A keyword where a group value could start; the same word boundaries as outside a group. */
const GROUP_KEYWORD = /(?:AND|OR|NOT)(?=[\s()]|$)/y;
const FIELD_NAME = /^[\p{L}_@$][\p{L}\p{N}_@$/-]*(\.[\p{L}\p{N}_@$/-]+)*$/u;
const SPACE = /\s/;

export function lexQuery(query: string): QueryToken[] {
  return new Lexer(query).tokens();
}

interface FieldGroup {
  field: string;
  /** How many parentheses were open outside the group's own. */
  depth: number;
}

class Lexer {
  private pos = 0;
  private readonly openParens: number[] = [];
  /** Groups cannot nest, so there is at most one. */
  private group: FieldGroup | undefined;

  constructor(private readonly query: string) {}

  tokens(): QueryToken[] {
    const tokens: QueryToken[] = [];
    for (this.skipSpace(); this.pos < this.query.length; this.skipSpace()) {
      const start = this.pos;
      const char = this.query[start];
      if (char === '(') {
        tokens.push(this.openParen());
      } else if (char === ')') {
        if (this.openParens.length === 0) {
          throw new QuerySyntaxError('Unexpected ")"', start, 'there is no "(" to close');
        }
        this.openParens.pop();
        const closesGroup = this.group?.depth === this.openParens.length;
        const previous = tokens[tokens.length - 1];
        if (previous.type === '(') {
          throw new QuerySyntaxError(
            closesGroup ? `Empty group for field "${this.group?.field}"` : 'Empty parentheses',
            previous.start,
          );
        }
        if (closesGroup) this.group = undefined;
        tokens.push(this.operator(')'));
      } else if (char === '-' && this.startsOperand(start + 1)) {
        tokens.push(this.operator('NOT'));
      } else if (char === '!') {
        throw new QuerySyntaxError('Unexpected "!"', start, 'negate with NOT or -');
      } else {
        tokens.push(this.termOrKeyword());
      }
    }
    if (this.openParens.length > 0) {
      throw new QuerySyntaxError(
        'Missing ")" to close the "("',
        this.openParens[this.openParens.length - 1],
      );
    }
    return tokens;
  }

  private openParen(): OperatorToken {
    if (this.openParens.length === MAX_NESTING) {
      throw new QuerySyntaxError(
        'Parentheses nested too deeply',
        this.pos,
        `the limit is ${MAX_NESTING} levels`,
      );
    }
    this.openParens.push(this.pos);
    return this.operator('(');
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
    if (this.group) return this.groupValue(this.group.field);
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

  private fieldTerm(field: string, start: number, quoted: boolean): QueryToken {
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
    if (operator === ':' && this.query[this.pos] === '(') {
      this.group = { field, depth: this.openParens.length };
      return this.openParen();
    }
    return this.fieldValue({ field, operator, start }, spaced);
  }

  /** Reads one value of a group as if it followed `field:`: `f:(a OR >5)` is `(f:a OR f:>5)`. */
  private groupValue(field: string): QueryToken {
    const start = this.pos;
    GROUP_KEYWORD.lastIndex = start;
    const keyword = GROUP_KEYWORD.exec(this.query);
    if (keyword) {
      this.pos += keyword[0].length;
      return { type: keyword[0] as OperatorToken['type'], start, end: this.pos };
    }
    const operator = this.comparisonOperator();
    return this.fieldValue({ field, operator, start }, this.skipSpace());
  }

  /** Reads the value of `term`, which starts at the current position, after any spaces. */
  private fieldValue(term: Omit<RawTerm, 'value'>, spaced: boolean): TermToken {
    const { field } = term;
    const valueStart = this.pos;
    const next = this.query[valueStart];
    const missing = () =>
      new QuerySyntaxError(
        `Missing value for field "${field}"`,
        valueStart,
        'use field:* to match any value',
      );
    if (next === undefined || next === '(' || next === ')') throw missing();
    if (next === '"') {
      const value = this.quoted();
      this.rejectNestedField(value.text, valueStart);
      return this.finishTerm({ ...term, value });
    }
    if ((next === '[' || next === '{') && term.operator === ':') {
      return this.finishTerm({ ...term, value: this.range() });
    }
    // Outside a group a value may contain ":" (`fe80::1`); inside one, `b:1` is far more
    // likely a field the user expected to work there, so it is stopped at and rejected.
    const word = this.word((char) => this.group !== undefined && char === ':');
    const raw = this.query.slice(valueStart, this.pos);
    this.rejectNestedField(raw, valueStart);
    if (spaced && KEYWORDS.has(raw)) throw missing();
    if (raw.length > 1 && raw.startsWith('/') && raw.endsWith('/')) {
      throw new QuerySyntaxError(
        'Regular expressions are not supported',
        valueStart,
        'quote the value to search for it literally',
      );
    }
    return this.finishTerm({ ...term, value: word });
  }

  private rejectNestedField(name: string, start: number): void {
    if (this.group === undefined || this.query[this.pos] !== ':') return;
    const { field } = this.group;
    const hint = 'every value in a group belongs to its field; quote or escape a ":" in a value';
    if (name === '') {
      throw new QuerySyntaxError(
        `Unexpected ":" in the group for field "${field}"`,
        this.pos,
        hint,
      );
    }
    throw new QuerySyntaxError(
      `Nested field "${name}" in the group for field "${field}"`,
      start,
      hint,
    );
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
