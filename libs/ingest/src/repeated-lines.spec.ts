import type { RawRecord } from '@logwarden/schema';
import { RepeatedLines } from './repeated-lines';

function records(raws: string[]): RawRecord[] {
  return raws.map((raw) => ({ data: {}, raw }));
}

/** Marks the pages in turn, as a request's pages are stored, and answers each page's id texts. */
function idTexts(repeats: RepeatedLines, pages: string[][]): string[][] {
  return pages.map((raws, i) => {
    const page = records(raws);
    repeats.mark(page, i < pages.length - 1);
    return page.map((record) => record.raw);
  });
}

describe('RepeatedLines', () => {
  it('leaves the lines of a first page as they are, repeats included', () => {
    const raws = ['{"m":"a"}', '{"m":"a"}', '{"m":"b"}'];
    expect(idTexts(new RepeatedLines(), [raws])).toEqual([raws]);
  });

  it('marks the lines of a later page that repeat an earlier page, and only those, the same way each time', () => {
    const pages = [
      Array.from({ length: 1000 }, (_, i) => `{"seq":${i}}`),
      ['{"seq":7}', '{"seq":1000}', '{"seq":7}'],
      ['{"seq":1000}', '{"seq":2000}'],
    ];
    const first = idTexts(new RepeatedLines(), pages);
    expect(first[0]).toEqual(pages[0]);
    expect(first[1]).toEqual(['{"seq":7}\n2', '{"seq":1000}', '{"seq":7}\n2']);
    expect(first[2]).toEqual(['{"seq":1000}\n3', '{"seq":2000}']);
    expect(idTexts(new RepeatedLines(), pages)).toEqual(first);
  });
});
