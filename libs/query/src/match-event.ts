import {
  MESSAGE_FIELD,
  TIMESTAMP_FIELD,
  type QueryNode,
  type RangeNode,
  type TermNode,
  type TextNode,
  type WildcardNode,
} from './query-ast';
import { textTokens, tokenSequenceTest } from './text-tokens';
import { eventTimeMillis } from './time-expressions';
import {
  compareCodePoints,
  parseNumericString,
  rangeComparisons,
  termTargets,
  type RangeOperator,
} from './value-comparison';
import { translateWildcard } from './wildcard-pattern';

export type EventMatcher = (event: Record<string, unknown>) => boolean;

type ValueTest = (value: unknown) => boolean;

/**
 * Compiles a query into a predicate over nested ECS events, with the semantics
 * documented on `QueryNode` (identical to the SQLite compiler's). Everything that
 * depends only on the query (paths, regexes, tokens) is prepared here, once.
 */
export function compileMatcher(node: QueryNode): EventMatcher {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const children = node.children.map(compileMatcher);
      return (event) => {
        for (let i = 0; i < children.length; i++) if (!children[i](event)) return false;
        return true;
      };
    }
    case 'or': {
      const children = node.children.map(compileMatcher);
      return (event) => {
        for (let i = 0; i < children.length; i++) if (children[i](event)) return true;
        return false;
      };
    }
    case 'not': {
      const child = compileMatcher(node.child);
      return (event) => !child(event);
    }
    case 'text':
      return textMatcher(node);
    case 'exists': {
      const read = fieldReader(node.field);
      return (event) => isPresent(read(event));
    }
    default: {
      const read = fieldReader(node.field);
      const test = valueTest(node);
      return (event) => {
        const value = read(event);
        return Array.isArray(value) ? value.some(test) : test(value);
      };
    }
  }
}

function textMatcher(node: TextNode): EventMatcher {
  const test = tokenSequenceTest(textTokens(node.value), node.prefix, messageTokens);
  const read = fieldReader(MESSAGE_FIELD);
  return (event) => {
    const message = read(event);
    return typeof message === 'string' && test(message);
  };
}

let lastMessage: string | undefined;
let lastTokens: string[] = [];

/** The detector runs every rule on one event before the next: tokenize each message once. */
function messageTokens(message: string): string[] {
  if (message !== lastMessage) {
    lastTokens = textTokens(message);
    lastMessage = message;
  }
  return lastTokens;
}

/** Reads a dotted path through own properties of objects only, never into arrays. */
function fieldReader(field: string): (event: Record<string, unknown>) => unknown {
  const path = field.split('.');
  // Checking ownership costs more than the lookup; only names that objects inherit
  // (constructor, toString, __proto__...) can be found without being own properties.
  const inherited = path.map((key) => key in Object.prototype);
  const read = (event: Record<string, unknown>): unknown => {
    let node: unknown = event;
    for (let i = 0; i < path.length; i++) {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
      if (inherited[i] && !Object.hasOwn(node, path[i])) return undefined;
      node = (node as Record<string, unknown>)[path[i]];
    }
    return node;
  };
  return field === TIMESTAMP_FIELD ? (event) => eventTimeMillis(read(event)) : read;
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return (
    !Array.isArray(value) || value.some((element) => element !== null && element !== undefined)
  );
}

function valueTest(node: TermNode | WildcardNode | RangeNode): ValueTest {
  switch (node.kind) {
    case 'term':
      return termTest(node);
    case 'wildcard': {
      const regex = new RegExp(
        `^${translateWildcard(node.pattern, {
          anyRun: '.*',
          oneChar: '.',
          literal: (char) => char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'),
        })}$`,
        'su',
      );
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'range':
      return rangeTest(node);
  }
}

function termTest(node: TermNode): ValueTest {
  const targets = termTargets(node.value);
  return (value) => {
    switch (typeof value) {
      case 'string':
        return (
          value === targets.string ||
          (targets.numericString !== undefined &&
            parseNumericString(value) === targets.numericString)
        );
      case 'number':
        return value === targets.number;
      case 'boolean':
        return value === targets.boolean;
      default:
        return false;
    }
  };
}

function rangeTest(node: RangeNode): ValueTest {
  const { numeric, comparisons } = rangeComparisons(node);
  const checks = comparisons.map(({ operator, bound }) => {
    const holds = ORDER_HOLDS[operator];
    return numeric
      ? (value: number | string) => holds((value as number) - (bound as number))
      : (value: number | string) => holds(compareCodePoints(value as string, bound as string));
  });
  const within = (value: number | string): boolean => {
    for (let i = 0; i < checks.length; i++) if (!checks[i](value)) return false;
    return true;
  };
  if (!numeric) return (value) => typeof value === 'string' && within(value);
  return (value) => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? parseNumericString(value)
          : undefined;
    return number !== undefined && Number.isFinite(number) && within(number);
  };
}

/** Whether `value <operator> bound` holds, given the sign of their difference. */
const ORDER_HOLDS: Record<RangeOperator, (difference: number) => boolean> = {
  '>': (difference) => difference > 0,
  '>=': (difference) => difference >= 0,
  '<': (difference) => difference < 0,
  '<=': (difference) => difference <= 0,
};
