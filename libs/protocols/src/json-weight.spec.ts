import { jsonWeight, mayWeighOver } from './json-weight';
import { seededRandom } from './testing/seeded-random';

/** The definition, byte by byte. */
function expectedWeight(bytes: Buffer, start: number, end: number): number {
  let nested = 0;
  for (let i = start; i < end; i++) if (bytes[i] === 0x7b || bytes[i] === 0x5b) nested++;
  return end - start + nested * 32;
}

describe('jsonWeight', () => {
  it('counts the bytes plus 32 for each { and [, strings included', () => {
    expect(jsonWeight(Buffer.from('{"a":[1,{"b":"[{"}]}'))).toBe(20 + 5 * 32);
    expect(jsonWeight(Buffer.from(''))).toBe(0);
    expect(jsonWeight(Buffer.from('"plain"'))).toBe(7);
  });

  it('weighs only the given range of the buffer', () => {
    const bytes = Buffer.from('{"a":1}\n[[[]]]\n{"b":{}}');
    expect(jsonWeight(bytes, 0, 7)).toBe(7 + 32);
    expect(jsonWeight(bytes, 8, 14)).toBe(6 + 3 * 32);
    expect(jsonWeight(bytes, 15)).toBe(8 + 2 * 32);
  });

  it('agrees with the definition for sparse, dense and mixed text, in any range', () => {
    const next = seededRandom(7);
    const alphabets = ['{', '[', '{[', '{"a":1}\n', 'abc', '{[x'];
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(next() * 20_000);
      const parts: string[] = [];
      while (parts.join('').length < length) {
        const alphabet = alphabets[Math.floor(next() * alphabets.length)];
        parts.push(alphabet.repeat(1 + Math.floor(next() * 3_000)));
      }
      const bytes = Buffer.from(parts.join('').slice(0, length));
      const start = Math.floor(next() * (bytes.length + 1));
      const end = start + Math.floor(next() * (bytes.length - start + 1));
      expect(jsonWeight(bytes, start, end)).toBe(expectedWeight(bytes, start, end));
    }
  });

  it('tells when the size alone cannot exceed a limit', () => {
    expect(mayWeighOver(10, 10 * 33)).toBe(false);
    expect(mayWeighOver(11, 10 * 33)).toBe(true);
  });
});
