import { parse as liqeParse, SyntaxError as LiqeSyntaxError, type ParserAst } from 'liqe';
import { interpretTerm } from './interpret-term';
import { lexQuery, type QueryToken } from './lex-query';
import type { QueryNode } from './query-ast';
import { QuerySyntaxError } from './query-syntax-error';

export const MAX_QUERY_LENGTH = 4096;

export interface ParseQueryOptions {
  /** The instant `now` stands for in date math; date math is resolved at parse time. */
  now?: number;
}

/**
 * Parses a Lucene-style query string. Operator precedence is NOT, then AND (explicit
 * or implied by juxtaposition), then OR. A field group `f:(a OR b)` means `(f:a OR f:b)`.
 * Throws `QuerySyntaxError` naming the position of the first problem.
 */
export function parseQuery(query: string, options: ParseQueryOptions = {}): QueryNode {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(
      `Query is too long (${query.length} characters)`,
      MAX_QUERY_LENGTH,
      `the limit is ${MAX_QUERY_LENGTH}`,
    );
  }
  const tokens = lexQuery(query);
  if (tokens.length === 0) return { kind: 'all' };
  const now = options.now ?? Date.now();
  return toNode(parseStructure(query, tokens), (index) => {
    const token = tokens[index];
    if (token.type !== 'term') throw new Error(`liqe returned operator token ${index} as a term`);
    return interpretTerm(token.term, now);
  });
}

/**
 * Hands liqe the token sequence with every term replaced by a placeholder (`t<index>`),
 * so liqe decides the boolean structure and reports where it is broken.
 */
function parseStructure(query: string, tokens: QueryToken[]): ParserAst {
  const offsets: number[] = [];
  let text = '';
  tokens.forEach((token, index) => {
    if (index > 0) text += ' ';
    offsets.push(text.length);
    text += token.type === 'term' ? `t${index}` : token.type;
  });
  try {
    return liqeParse(text);
  } catch (error) {
    if (error instanceof LiqeSyntaxError) {
      // liqe reports a misplaced keyword at its end; the token starting at or before
      // the offset is the one it choked on.
      let index = 0;
      while (index + 1 < offsets.length && offsets[index + 1] <= error.offset) index++;
      throw new QuerySyntaxError(`Unexpected ${quote(query, tokens[index])}`, tokens[index].start);
    }
    if (error instanceof Error && error.message === 'Found no parsings.') {
      const last = tokens[tokens.length - 1];
      throw new QuerySyntaxError(`Unexpected end of query after ${quote(query, last)}`, last.end);
    }
    throw error;
  }
}

function quote(query: string, token: QueryToken): string {
  const text = query.slice(token.start, token.end);
  return `"${text.length > 40 ? `${text.slice(0, 40)}...` : text}"`;
}

function toNode(ast: ParserAst, term: (index: number) => QueryNode): QueryNode {
  switch (ast.type) {
    case 'ParenthesizedExpression':
      return toNode(ast.expression, term);
    case 'UnaryOperator':
      return { kind: 'not', child: toNode(ast.operand, term) };
    case 'Tag':
      if (ast.expression.type !== 'LiteralExpression' || typeof ast.expression.value !== 'string') {
        throw new Error(`liqe returned an unexpected tag ${ast.expression.type}`);
      }
      return term(Number(ast.expression.value.slice(1)));
    case 'LogicalExpression':
      return regroup(ast, term);
    case 'EmptyExpression':
      throw new Error('liqe returned an empty expression for a non-empty query');
  }
}

/**
 * liqe nests a run of AND/OR strictly left to right (`a OR b AND c` becomes
 * `(a OR b) AND c`). Users of Lucene-style syntax expect AND to bind tighter, so the
 * run is flattened back into source order and regrouped as an OR of ANDs.
 */
function regroup(ast: ParserAst, term: (index: number) => QueryNode): QueryNode {
  const operands: ParserAst[] = [];
  const operators: ('AND' | 'OR')[] = [];
  const flatten = (node: ParserAst): void => {
    if (node.type !== 'LogicalExpression') {
      operands.push(node);
      return;
    }
    flatten(node.left);
    operators.push(node.operator.operator);
    flatten(node.right);
  };
  flatten(ast);
  const groups: QueryNode[][] = [[toNode(operands[0], term)]];
  operators.forEach((operator, i) => {
    const node = toNode(operands[i + 1], term);
    if (operator === 'OR') groups.push([node]);
    else groups[groups.length - 1].push(node);
  });
  return combine(
    'or',
    groups.map((group) => combine('and', group)),
  );
}

function combine(kind: 'and' | 'or', nodes: QueryNode[]): QueryNode {
  const children = nodes.flatMap((node) => (node.kind === kind ? node.children : [node]));
  return children.length === 1 ? children[0] : { kind, children };
}
