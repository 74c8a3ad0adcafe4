import { jsonWeight, mayWeighOver } from './json-weight';

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const TAB = 9;
const OPEN_BRACE = 123;

/**
 * Walks newline-delimited UTF-8 one non-blank line at a time, straight from the
 * bytes. Decoding the whole body first would hold it twice (Buffer and string)
 * and every line sliced from that string would keep all of it alive; `indexOf`
 * on the Buffer finds each line end natively and only the line is decoded,
 * which is also faster overall. Splitting the bytes at `\n` splits the text at
 * `\n`: UTF-8 never uses 0x0A inside a multi-byte sequence.
 *
 * A `\r` before the `\n` is dropped, a leading byte order mark is skipped, and
 * line numbers are physical and 1-based so messages match what an editor shows.
 */
export class LineCursor {
  /** 1-based position of the current line in the text, blank lines included. */
  lineNumber = 0;
  private start = 0;
  private end = 0;
  private position: number;
  private decoded: string | undefined;
  private weighed: number | undefined;

  constructor(private readonly bytes: Buffer) {
    this.position = byteOrderMarkLength(bytes);
  }

  /** The current line, without its terminator; decoded only when asked for. */
  get line(): string {
    return (this.decoded ??= this.bytes.toString('utf8', this.start, this.end));
  }

  /** Size of the current line in bytes, known without decoding it. */
  get lineBytes(): number {
    return this.end - this.start;
  }

  /** The current line's {@link jsonWeight}, known without decoding it. */
  get weight(): number {
    return (this.weighed ??= jsonWeight(this.bytes, this.start, this.end));
  }

  /** Whether the current line weighs over `limit`; most lines are too short to need counting. */
  weighsOver(limit: number): boolean {
    return mayWeighOver(this.lineBytes, limit) && this.weight > limit;
  }

  /** Moves to the next non-blank line; false once the text is exhausted. */
  next(): boolean {
    const bytes = this.bytes;
    const length = bytes.length;
    while (this.position < length) {
      const start = this.position;
      let end = bytes.indexOf(LINE_FEED, start);
      if (end === -1) end = length;
      this.position = end + 1;
      this.lineNumber++;
      if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
      // Nearly every line is a JSON object; only other lines pay for the blank check.
      if (bytes[start] === OPEN_BRACE || !isBlank(bytes, start, end)) {
        this.start = start;
        this.end = end;
        this.decoded = undefined;
        this.weighed = undefined;
        return true;
      }
    }
    return false;
  }

  /** Whether anything but whitespace follows the current line. */
  hasMore(): boolean {
    return !isBlank(this.bytes, this.position, this.bytes.length);
  }
}

/** The whole body as text, without the leading byte order mark that `JSON.parse` rejects. */
export function wholeText(bytes: Buffer): string {
  return bytes.toString('utf8', byteOrderMarkLength(bytes));
}

function byteOrderMarkLength(bytes: Buffer): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN && c !== LINE_FEED) return false;
  }
  return true;
}
