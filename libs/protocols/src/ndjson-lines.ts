const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const TAB = 9;
const OPEN_BRACE = 123;
const BYTE_ORDER_MARK = 0xfeff;

/**
 * Walks newline-delimited text one non-blank line at a time. `split('\n')`
 * would materialize every line before the first is parsed and `readline` is
 * several times slower; `indexOf` plus `slice` costs one scan and no copy.
 * A `\r` before the `\n` is dropped, a leading byte order mark is skipped, and
 * line numbers are physical and 1-based so messages match what an editor shows.
 */
export class LineCursor {
  /** The current line, without its terminator. */
  line = '';
  /** 1-based position of `line` in the text, blank lines included. */
  lineNumber = 0;
  private position: number;

  constructor(private readonly text: string) {
    this.position = text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0;
  }

  /** Moves to the next non-blank line; false once the text is exhausted. */
  next(): boolean {
    const text = this.text;
    const length = text.length;
    while (this.position < length) {
      const start = this.position;
      let end = text.indexOf('\n', start);
      if (end === -1) end = length;
      this.position = end + 1;
      this.lineNumber++;
      if (end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
      // Nearly every line is a JSON object; only other lines pay for the blank check.
      if (text.charCodeAt(start) === OPEN_BRACE || !isBlank(text, start, end)) {
        this.line = text.slice(start, end);
        return true;
      }
    }
    return false;
  }

  /** Whether anything but whitespace follows the current line. */
  hasMore(): boolean {
    return !isBlank(this.text, this.position, this.text.length);
  }
}

/** The text with a leading byte order mark removed, which `JSON.parse` rejects. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN && c !== LINE_FEED) return false;
  }
  return true;
}
