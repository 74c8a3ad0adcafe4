import type { RawRecord } from '@logwarden/schema';

/** 2^23 bits (1 MiB) and 7 probes: under 0.1 % false positives up to half a million lines. */
const FILTER_BITS = 1 << 23;
const PROBES = 7;

/**
 * Keeps identical lines of one request apart when the request is stored page
 * by page. A derived event id counts how often the same text came before it in
 * its batch, so a request that repeats a line stores it each time; but each
 * page is a batch of its own, and a line repeating one of an earlier page would
 * get that line's id and be dropped as its duplicate. Such a line derives its
 * id from its text marked with the page instead.
 *
 * Remembering every line would cost memory in proportion to the request; a
 * Bloom filter of the earlier pages costs 1 MiB, only once a second page
 * comes. A false positive merely gives a line a page-marked id: still distinct,
 * and the same again when the request is retried, as pages are cut the same way.
 */
export class RepeatedLines {
  private filter: Int32Array | undefined;
  private previous: readonly string[] = [];
  private page = 0;
  private h1 = 0;
  private h2 = 0;

  /**
   * Takes the records of the request's next page, in order, and sets each one's `raw` to the
   * text its id is to be derived from: the raw text itself unless it may repeat a line of an
   * earlier page. `more` says whether another page follows; only then are the page's lines
   * kept, so a last page waits for its commit without a second reference to all its text.
   */
  mark(records: RawRecord[], more: boolean): void {
    this.page++;
    if (this.previous.length > 0) {
      this.filter ??= new Int32Array(FILTER_BITS / 32);
      for (const raw of this.previous) this.add(raw);
    }
    // Hashed only if another page follows: most requests are a single page.
    this.previous = more ? records.map((record) => record.raw) : [];
    if (this.filter === undefined) return;
    // Raw lines never hold a newline, so no line received can equal a marked one.
    for (const record of records) {
      if (this.mayHold(record.raw)) record.raw = `${record.raw}\n${this.page}`;
    }
  }

  private add(raw: string): void {
    const filter = this.filter!;
    this.hash(raw);
    for (let i = 0; i < PROBES; i++) {
      const bit = (this.h1 + i * this.h2) & (FILTER_BITS - 1);
      filter[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  private mayHold(raw: string): boolean {
    const filter = this.filter!;
    this.hash(raw);
    for (let i = 0; i < PROBES; i++) {
      const bit = (this.h1 + i * this.h2) & (FILTER_BITS - 1);
      if ((filter[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** Two independent 32-bit hashes (FNV-1a and a Murmur-style multiply) for double hashing. */
  private hash(text: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1 >>> 0;
    // An odd step visits distinct bits on every probe.
    this.h2 = (h2 | 1) >>> 0;
  }
}
