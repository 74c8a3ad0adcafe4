/** How one target language spells the pieces of a wildcard pattern. */
export interface WildcardDialect {
  anyRun: string;
  oneChar: string;
  literal: (char: string) => string;
}

/**
 * Rewrites a `WildcardNode` pattern (`*`, `?`, `\` escaping the next character) into
 * another pattern language, so the matcher's regex and the SQL GLOB are built from
 * one reading of the pattern.
 */
export function translateWildcard(pattern: string, dialect: WildcardDialect): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) {
      i++;
      out += dialect.literal(pattern[i]);
    } else if (char === '*') {
      out += dialect.anyRun;
    } else if (char === '?') {
      out += dialect.oneChar;
    } else {
      out += dialect.literal(char);
    }
  }
  return out;
}
