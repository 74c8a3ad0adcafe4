/** How many event ids a detection carries, for the alert's sample events. */
const SAMPLE_SIZE = 5;

export type SamplesSnapshot = [id: string, time: number][];

/** The ids and times of a group's latest few events, in a fixed ring. */
export class Samples {
  private readonly ids = new Array<string>(SAMPLE_SIZE);
  private readonly times = new Array<number>(SAMPLE_SIZE);
  private size = 0;
  private next = 0;

  add(id: string, time: number): void {
    this.ids[this.next] = id;
    this.times[this.next] = time;
    this.next = (this.next + 1) % SAMPLE_SIZE;
    if (this.size < SAMPLE_SIZE) this.size++;
  }

  /** Ids of the kept events with from < time ≤ to, oldest first. */
  between(from: number, to: number): string[] {
    const picked: [string, number][] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.times[i] > from && this.times[i] <= to) picked.push([this.ids[i], this.times[i]]);
    }
    return picked.sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  /** Oldest first, so restoring refills the ring in the same order. */
  snapshot(): SamplesSnapshot {
    const start = this.size < SAMPLE_SIZE ? 0 : this.next;
    const entries: SamplesSnapshot = [];
    for (let i = 0; i < this.size; i++) {
      const slot = (start + i) % SAMPLE_SIZE;
      entries.push([this.ids[slot], this.times[slot]]);
    }
    return entries;
  }

  static restore(entries: SamplesSnapshot): Samples {
    const samples = new Samples();
    for (const [id, time] of entries) samples.add(id, time);
    return samples;
  }
}
