import { LineCursor } from './ndjson-lines';
import { seededRandom } from './testing/seeded-random';

/** What the cursor must yield: the lines of the body decoded as one string. */
function linesOfWholeText(body: Buffer): { line: string; lineNumber: number }[] {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text
    .split('\n')
    .map((line, i) => ({ line: line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber: i + 1 }))
    .filter(({ line }) => !/^[ \t\r]*$/.test(line));
}

function linesOfCursor(body: Buffer): { line: string; lineNumber: number }[] {
  const cursor = new LineCursor(body);
  const lines = [];
  while (cursor.next()) lines.push({ line: cursor.line, lineNumber: cursor.lineNumber });
  return lines;
}

const PIECES = [
  '{"message":"a"}',
  '{"m":"é ü 漢字 😀"}',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\t',
  '\u00a0',
  'x',
  '\uFEFF',
];
const BYTES = [0xff, 0xc3, 0xe2, 0x82, 0xf0, 0x9f, 0x80, 0x0a, 0x0d, 0xef, 0xbb, 0xbf];

describe('LineCursor', () => {
  it('yields, straight from the bytes, the lines of the body decoded as one string', () => {
    const next = seededRandom(7);
    for (let round = 0; round < 500; round++) {
      const parts: Buffer[] = [];
      if (next() < 0.2) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) {
        parts.push(
          next() < 0.8
            ? Buffer.from(PIECES[Math.floor(next() * PIECES.length)])
            : Buffer.from([BYTES[Math.floor(next() * BYTES.length)]]),
        );
      }
      const body = Buffer.concat(parts);
      expect(linesOfCursor(body)).toEqual(linesOfWholeText(body));
    }
  });

  it('reports a line size in bytes without decoding it', () => {
    const cursor = new LineCursor(Buffer.from('{"m":"漢"}\r\n\n  \n{}'));
    expect(cursor.next()).toBe(true);
    expect(cursor.lineBytes).toBe(11);
    expect(cursor.next()).toBe(true);
    expect([cursor.line, cursor.lineNumber, cursor.lineBytes]).toEqual(['{}', 4, 2]);
    expect(cursor.next()).toBe(false);
  });
});
