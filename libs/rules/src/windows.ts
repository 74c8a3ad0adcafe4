/** Sub-buckets per window: counts are exact to window/30, at least 1 s. */
const BUCKETS_PER_WINDOW = 30;
const MIN_BUCKET_MS = 1000;
/** Caps the lateness a ring can absorb, so a tiny window with a long lateness stays small. */
const MAX_LATENESS_SLOTS = 1024;

/** How a window is cut into buckets and how many buckets a ring keeps. */
export interface WindowShape {
  bucketMs: number;
  /** Buckets in one window. */
  buckets: number;
  /** Ring length: the windows a rule compares, plus the allowed lateness. */
  slots: number;
}

export function windowShape(windowMs: number, windows: number, latenessMs: number): WindowShape {
  const bucketMs = Math.max(
    Math.ceil(windowMs / BUCKETS_PER_WINDOW),
    Math.min(windowMs, MIN_BUCKET_MS),
  );
  const buckets = Math.ceil(windowMs / bucketMs);
  const latenessSlots = Math.min(Math.ceil(latenessMs / bucketMs), MAX_LATENESS_SLOTS);
  return { bucketMs, buckets, slots: windows * buckets + latenessSlots };
}

/** Bucket epochs and counts, oldest first, of the non-empty buckets: what a snapshot stores. */
export type RingSnapshot = [epoch: number, count: number][];

/**
 * Event counts per time bucket in a fixed ring, keyed by event time. A window is the
 * `buckets` buckets ending with the one holding its end time, so it spans between
 * window − bucket and window. Events older than the ring are refused.
 */
export class BucketRing {
  private readonly counts: Uint32Array;
  /** Epoch (time ÷ bucketMs) of the newest bucket; older slots hold the epochs before it. */
  private head = -Infinity;

  constructor(private readonly shape: WindowShape) {
    this.counts = new Uint32Array(shape.slots);
  }

  epochOf(time: number): number {
    return Math.floor(time / this.shape.bucketMs);
  }

  /** The newest bucket's epoch, or -Infinity when nothing was added. */
  get newest(): number {
    return this.head;
  }

  /** Counts `count` events at `time`; false when the time is older than the ring keeps. */
  add(time: number, count = 1): boolean {
    const epoch = this.epochOf(time);
    if (epoch > this.head) this.moveHead(epoch);
    else if (epoch <= this.head - this.shape.slots) return false;
    this.counts[this.slot(epoch)] += count;
    return true;
  }

  /** Events in the buckets `from`..`to` (epochs, inclusive). */
  private sum(from: number, to: number): number {
    const low = Math.max(from, this.head - this.shape.slots + 1);
    const high = Math.min(to, this.head);
    let total = 0;
    for (let epoch = low; epoch <= high; epoch++) total += this.counts[this.slot(epoch)];
    return total;
  }

  /** Events in the window ending with bucket `epoch`, `back` windows earlier. */
  window(epoch: number, back = 0): number {
    const end = epoch - back * this.shape.buckets;
    return this.sum(end - this.shape.buckets + 1, end);
  }

  snapshot(): RingSnapshot {
    const buckets: RingSnapshot = [];
    if (this.head === -Infinity) return buckets;
    for (let epoch = this.head - this.shape.slots + 1; epoch <= this.head; epoch++) {
      const count = this.counts[this.slot(epoch)];
      if (count > 0) buckets.push([epoch, count]);
    }
    return buckets;
  }

  /** Rebuilds a ring, possibly of another length (lateness changed): what no longer fits is dropped. */
  static restore(shape: WindowShape, buckets: RingSnapshot): BucketRing {
    const ring = new BucketRing(shape);
    for (let i = buckets.length - 1; i >= 0; i--) {
      const [epoch, count] = buckets[i];
      ring.add(epoch * shape.bucketMs, count);
    }
    return ring;
  }

  private moveHead(epoch: number): void {
    if (epoch - this.head >= this.shape.slots) {
      this.counts.fill(0);
    } else {
      for (let stale = this.head + 1; stale <= epoch; stale++) this.counts[this.slot(stale)] = 0;
    }
    this.head = epoch;
  }

  private slot(epoch: number): number {
    const slots = this.shape.slots;
    return ((epoch % slots) + slots) % slots;
  }
}
