/**
 * Tokenization of full text exactly as SQLite FTS5's `unicode61` tokenizer does it
 * with default options, so that in-memory matching agrees with the embedded store:
 * letters, digits and private-use characters are token characters, everything else
 * separates tokens; tokens are case-folded and single Latin diacritics are removed.
 * ASCII is exact; beyond ASCII this follows JavaScript's Unicode tables where SQLite
 * uses Unicode 6.1, so recently added characters may differ.
 */

const ASCII_ONLY = /^\p{ASCII}*$/u;
const NON_ASCII = /[^\p{ASCII}]/u;
const ASCII_TOKENS = /[a-z0-9]+/g;
const TOKEN_CHAR = /^[\p{L}\p{N}\p{Co}\p{Cn}]$/u;
const COMBINING_MARK = /^\p{M}$/u;

export function textTokens(text: string): string[] {
  if (ASCII_ONLY.test(text)) return text.toLowerCase().match(ASCII_TOKENS) ?? [];
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80 ? isAsciiAlphanumeric(code) : TOKEN_CHAR.test(char)) {
      token += code < 0x80 ? char.toLowerCase() : fold(char, code);
      inToken = true;
    } else if (inToken && isSqliteDiacritic(code)) {
      // unicode61 keeps a combining diacritic inside a token and folds it away.
    } else if (inToken) {
      tokens.push(token);
      token = '';
      inToken = false;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}

/**
 * A test of whether `needle` (tokens) occurs as consecutive tokens of a text, answering as
 * `containsTokens(tokenize(text), needle, prefix)`. An ASCII text's tokens are its runs of
 * ASCII letters and digits, lower-cased, so for an ASCII needle in an ASCII text a
 * case-insensitive search bounded by other characters answers the same without building
 * the token list, which the detector would otherwise do for every event.
 */
export function tokenSequenceTest(
  needle: readonly string[],
  prefix: boolean,
  tokenize: (text: string) => readonly string[] = textTokens,
): (text: string) => boolean {
  if (needle.length === 0) return () => false;
  const asciiNeedle = needle.every((token) => /^[a-z0-9]+$/.test(token));
  const search = asciiNeedle
    ? new RegExp(`(?<![a-z0-9])${needle.join('[^a-z0-9]+')}${prefix ? '' : '(?![a-z0-9])'}`, 'i')
    : undefined;
  return (text) =>
    search !== undefined && !NON_ASCII.test(text)
      ? search.test(text)
      : containsTokens(tokenize(text), needle, prefix);
}

/**
 * Whether `needle` occurs as consecutive tokens of `haystack`; with `prefix`, its last
 * token only has to start the corresponding haystack token (FTS5's `"a b"*`).
 */
export function containsTokens(
  haystack: readonly string[],
  needle: readonly string[],
  prefix: boolean,
): boolean {
  const last = needle.length - 1;
  if (last < 0) return false;
  for (let start = 0; start + last < haystack.length; start++) {
    let j = 0;
    while (j < last && haystack[start + j] === needle[j]) j++;
    if (j < last) continue;
    const candidate = haystack[start + last];
    if (prefix ? candidate.startsWith(needle[last]) : candidate === needle[last]) return true;
  }
  return false;
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function fold(char: string, code: number): string {
  if (code > 0xffff) {
    // SQLite folds no supplementary-plane case except Deseret.
    return code >= 0x10400 && code < 0x10428 ? String.fromCodePoint(code + 40) : char;
  }
  // Unicode case folding (what SQLite uses) maps final sigma, micro sign, long s... to
  // the lower case of their upper case; dotless i is the one letter it leaves alone.
  const upper = code === 0x131 ? char : char.toUpperCase();
  const lower = upper.length === 1 ? upper.toLowerCase() : char.toLowerCase();
  const folded = lower.length === 1 ? lower : char;
  const decomposed = folded.normalize('NFD');
  if (
    decomposed.length === 2 &&
    isAsciiAlphanumeric(decomposed.charCodeAt(0)) &&
    COMBINING_MARK.test(decomposed[1])
  ) {
    return decomposed[0].toLowerCase();
  }
  return folded;
}

/** SQLite's own list of combining diacritics (U+0300..U+0331) it tolerates inside tokens. */
function isSqliteDiacritic(code: number): boolean {
  if (code < 768 || code > 817) return false;
  return code < 800
    ? ((0x08029fdf >>> (code - 768)) & 1) === 1
    : ((0x000361f8 >>> (code - 800)) & 1) === 1;
}
