import type { BusHandler, BusMessage } from '../bus.port';
import { IncomingRecord, decodeRecord } from './kafka-codec';

/** How a fetched batch is handed to a subscriber and what happens when the subscriber fails. */
export interface DeliveryPolicy {
  /** Most messages per handler call; between calls the consumer resolves, commits and heartbeats. */
  chunkSize: number;
  /** Further attempts at a failing chunk before it is split to find the poison message(s). */
  retries: number;
  /** First wait between attempts; it doubles up to `maxBackoffMs`. */
  backoffMs: number;
  /** Also the wait before a chunk that failed entirely is tried again (see `deliverBatch`). */
  maxBackoffMs: number;
  /** A handler call may outlast the session timeout; the group hears from the member this often meanwhile. */
  heartbeatEveryMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  chunkSize: 500,
  retries: 5,
  backoffMs: 500,
  maxBackoffMs: 10_000,
  // kafkajs' default heartbeat interval: a tenth of its 30 s session timeout.
  heartbeatEveryMs: 3_000,
};

/** A record the subscriber cannot take, and why. */
export interface DeadLetter {
  record: IncomingRecord;
  error: string;
}

/** What delivering one partition's batch needs from the consumer that fetched it. */
export interface BatchControl {
  resolveOffset(offset: string): void;
  /** Rejects when the group is rebalancing; the rejection must reach the client so it rejoins. */
  heartbeat(): Promise<void>;
  /** After a chunk's offsets were resolved: commit (auto-commit) or record progress (manual). */
  chunkDone(lastOffset: string): Promise<void>;
  /** Writes the letters durably; they count as handled only once this resolved. */
  deadLetter(letters: DeadLetter[]): Promise<void>;
  /** False once the consumer is stopping: what is left stays unresolved and is delivered again. */
  isRunning(): boolean;
  /** True after a seek on the partition: the rest of this batch is no longer what comes next. */
  isStale(): boolean;
  sleep(ms: number): Promise<void>;
  warn(message: string): void;
}

interface Candidate<T> {
  record: IncomingRecord;
  partition: number;
  /**
   * The record decoded and not yet handed over. A handler owns the messages it is given (the
   * processor normalizes records in place), so each further call gets them decoded afresh.
   */
  unused: BusMessage<T> | undefined;
}

/** Abandons a batch without resolving the rest: the consumer stops or the partition moved. */
class Interrupted extends Error {}

/**
 * Hands a partition's fetched records to `handler` in chunks, in offset order, resolving each
 * chunk's offsets once it is done. A chunk whose handler keeps failing through the retries is
 * split in halves, each tried once and split again while it fails, until the failing messages
 * stand alone. Those, and records that cannot be decoded, go to the dead-letter topic and count
 * as done, so one bad record cannot stall its partition.
 *
 * Splitting only proves a message poisonous when something else in the chunk went through. If
 * every message of a chunk fails on its own, what is broken is the subscriber or a dependency
 * of it (the store is down), and dead-lettering the lot would empty the pipeline into a side
 * topic: after `maxBackoffMs` the chunk starts over, retries included, until it goes through
 * or the consumer stops. A chunk of a single message offers no such evidence; it is
 * dead-lettered after its retries.
 */
export async function deliverBatch<T>(
  partition: number,
  records: IncomingRecord[],
  handler: BusHandler<T>,
  control: BatchControl,
  policy: DeliveryPolicy,
): Promise<void> {
  const delivery = new ChunkDelivery(handler, control, policy);
  try {
    for (let start = 0; start < records.length; start += policy.chunkSize) {
      delivery.checkCurrent();
      const chunk = records.slice(start, start + policy.chunkSize);
      await delivery.settle(partition, chunk);
      for (const record of chunk) control.resolveOffset(record.offset);
      await control.chunkDone(chunk[chunk.length - 1].offset);
      await control.heartbeat();
    }
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
  }
}

class ChunkDelivery<T> {
  constructor(
    private readonly handler: BusHandler<T>,
    private readonly control: BatchControl,
    private readonly policy: DeliveryPolicy,
  ) {}

  checkCurrent(): void {
    if (!this.control.isRunning() || this.control.isStale()) throw new Interrupted();
  }

  /** Returns once every record of the chunk was handled or dead-lettered. */
  async settle(partition: number, chunk: IncomingRecord[]): Promise<void> {
    const letters: DeadLetter[] = [];
    const candidates: Candidate<T>[] = [];
    for (const record of chunk) {
      const message = decodeRecord<T>(record, partition);
      if (message instanceof Error) letters.push({ record, error: message.message });
      else candidates.push({ record, partition, unused: message });
    }
    if (candidates.length > 0) letters.push(...(await this.deliverUntilSettled(candidates)));
    if (letters.length === 0) return;
    letters.sort((a, b) => (BigInt(a.record.offset) < BigInt(b.record.offset) ? -1 : 1));
    await this.control.deadLetter(letters);
  }

  private async deliverUntilSettled(candidates: Candidate<T>[]): Promise<DeadLetter[]> {
    for (;;) {
      const error = await this.callWithRetries(candidates);
      if (error === undefined) return [];
      if (candidates.length === 1) return [{ record: candidates[0].record, error: error.message }];
      const split = { poison: [] as DeadLetter[], delivered: 0 };
      await this.bisect(candidates, split);
      if (split.delivered > 0) return split.poison;
      this.control.warn(
        `all ${candidates.length} messages from offset ${candidates[0].record.offset} fail, each on its own too ` +
          `(${error.message}); trying them again in ${this.policy.maxBackoffMs} ms`,
      );
      await this.pause(this.policy.maxBackoffMs);
    }
  }

  private async callWithRetries(candidates: Candidate<T>[]): Promise<Error | undefined> {
    let backoff = this.policy.backoffMs;
    for (let retry = 0; ; retry++) {
      const error = await this.call(candidates);
      if (error === undefined || retry === this.policy.retries) return error;
      await this.pause(backoff);
      backoff = Math.min(backoff * 2, this.policy.maxBackoffMs);
    }
  }

  /** Each half gets one try: the retries already showed the failure is not passing. */
  private async bisect(
    candidates: Candidate<T>[],
    split: { poison: DeadLetter[]; delivered: number },
  ): Promise<void> {
    const middle = Math.ceil(candidates.length / 2);
    for (const half of [candidates.slice(0, middle), candidates.slice(middle)]) {
      this.checkCurrent();
      const error = await this.call(half);
      await this.control.heartbeat();
      if (error === undefined) split.delivered += half.length;
      else if (half.length === 1)
        split.poison.push({ record: half[0].record, error: error.message });
      else await this.bisect(half, split);
    }
  }

  /**
   * The handler's failure, if any. Heartbeats sent while it runs are best effort: a rebalance
   * they report surfaces at the next heartbeat between calls, after this call's work is settled.
   */
  private async call(candidates: Candidate<T>[]): Promise<Error | undefined> {
    const beat = setInterval(() => {
      this.control.heartbeat().catch(() => undefined);
    }, this.policy.heartbeatEveryMs);
    try {
      await this.handler(candidates.map(handOver));
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      clearInterval(beat);
    }
  }

  /** Waits in heartbeat-sized steps, so the member stays in its group and a stop is noticed. */
  private async pause(ms: number): Promise<void> {
    for (let waited = 0; waited < ms; waited += this.policy.heartbeatEveryMs) {
      this.checkCurrent();
      await this.control.sleep(Math.min(this.policy.heartbeatEveryMs, ms - waited));
      await this.control.heartbeat();
    }
    this.checkCurrent();
  }
}

function handOver<T>(candidate: Candidate<T>): BusMessage<T> {
  const message = candidate.unused ?? decodeRecord<T>(candidate.record, candidate.partition);
  candidate.unused = undefined;
  // It decoded once: the same bytes decode again.
  return message as BusMessage<T>;
}
