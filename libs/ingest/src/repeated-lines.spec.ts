import { RepeatedLines } from './repeated-lines';

describe('RepeatedLines', () => {
  it('leaves the lines of a first page as they are, repeats included', () => {
    const raws = ['{"m":"a"}', '{"m":"a"}', '{"m":"b"}'];
    expect(new RepeatedLines().idTexts(raws)).toEqual(raws);
  });

  it('marks the lines of a later page that repeat an earlier page, and only those, the same way each time', () => {
    const pages = [
      Array.from({ length: 1000 }, (_, i) => `{"seq":${i}}`),
      ['{"seq":7}', '{"seq":1000}', '{"seq":7}'],
      ['{"seq":1000}', '{"seq":2000}'],
    ];
    const texts = (repeats: RepeatedLines) => pages.map((raws) => repeats.idTexts(raws));
    const first = texts(new RepeatedLines());
    expect(first[1]).toEqual(['{"seq":7}\n2', '{"seq":1000}', '{"seq":7}\n2']);
    expect(first[2]).toEqual(['{"seq":1000}\n3', '{"seq":2000}']);
    expect(texts(new RepeatedLines())).toEqual(first);
  });
});
