interface Slot<S> {
  state: S;
  /** Looked up since the eviction sweep last passed: spared once more. */
  recent: boolean;
}

/**
 * A rule's per-group states, bounded: when full, adding a group evicts one that was
 * not looked up recently. This is the "second chance" approximation of least
 * recently used: a lookup only sets a flag, where exact LRU order would move the
 * entry on every event of every rule.
 */
export class GroupTable<S> {
  private readonly slots = new Map<string, Slot<S>>();
  /** Groups dropped to make room since the rule started. */
  evicted = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  get(key: string): S | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    slot.recent = true;
    return slot.state;
  }

  add(key: string, state: S): void {
    if (this.slots.size >= this.capacity && !this.slots.has(key)) this.evictOne();
    this.slots.set(key, { state, recent: false });
  }

  delete(key: string): void {
    this.slots.delete(key);
  }

  /** Oldest first, roughly; deleting the current entry while iterating is safe. */
  *entries(): IterableIterator<[string, S]> {
    for (const [key, slot] of this.slots) yield [key, slot.state];
  }

  dropIf(idle: (state: S) => boolean): void {
    for (const [key, slot] of this.slots) if (idle(slot.state)) this.slots.delete(key);
  }

  /** Map order is insertion order: entries looked up since are moved to the back once. */
  private evictOne(): void {
    for (const [key, slot] of this.slots) {
      this.slots.delete(key);
      if (!slot.recent) {
        this.evicted++;
        return;
      }
      slot.recent = false;
      this.slots.set(key, slot);
    }
  }
}
