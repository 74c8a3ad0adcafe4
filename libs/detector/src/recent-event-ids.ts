/**
 * The ids of the last `capacity` events, oldest forgotten first: enough to recognise what a
 * processor publishes again after a crash (its uncommitted tail, seconds of traffic) with
 * memory bounded whatever the rate.
 */
export class RecentEventIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    this.ring = new Array<string | undefined>(capacity);
  }

  /** Answers whether `id` was already among the recent ids, and remembers it. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.ids.add(id);
    return false;
  }

  get size(): number {
    return this.ids.size;
  }
}
