import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { BUS, Bus, Topics } from '@logwarden/bus';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { OverloadedError } from '@logwarden/http';
import { Metrics } from '@logwarden/ops';
import type { PageLimits } from '@logwarden/protocols';
import type { RawBatch, RawRecord } from '@logwarden/schema';

/**
 * A page of a request: a shipper's batch of 1,600-2,000 events stays one page,
 * one group commit as before, while a 100 MB body costs the heap no more than
 * such a batch.
 */
export const PAGE_RECORDS = 2_000;
const PAGE_BYTES = 1024 * 1024;

/**
 * Hands received records to the pipeline and resolves once they are durable,
 * so that a shipper is acknowledged only for what cannot be lost.
 *
 * Memory is bounded by admission: a request's weight (its decoded bytes and
 * what its JSON objects and arrays will take once parsed, see `jsonWeight`)
 * counts against `maxPendingBytes` from {@link admit} until it is closed; its
 * records are read and stored one page at a time, each page parsed only once
 * the events pending across all requests leave room for a full page.
 */
@Injectable()
export class IngestService {
  readonly pageLimits: PageLimits;
  private weightInFlight = 0;
  private readonly room: EventRoom;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    this.pageLimits = {
      items: PAGE_RECORDS,
      bytes: PAGE_BYTES,
      maxRecordWeight: config.maxPendingBytes,
    };
    this.room = new EventRoom(config.maxPendingEvents, (used) => metrics.pendingEvents.set(used));
  }

  /**
   * Takes a request of the given `jsonWeight` in, or refuses it with
   * {@link OverloadedError} (429) when it would take the requests in flight
   * over `maxPendingBytes`. An idle server takes any request: otherwise one
   * larger than the budget could never land. Once admitted, a request is
   * never refused for load; its pages wait their turn instead.
   */
  admit(tenant: string, protocol: string, weight: number): IngestRequest {
    if (this.weightInFlight > 0 && this.weightInFlight + weight > this.config.maxPendingBytes) {
      this.metrics.ingestRejections.inc({ protocol, reason: 'overloaded' });
      throw new OverloadedError(1);
    }
    this.weightInFlight += weight;
    return new IngestRequest(tenant, protocol, this.bus, this.metrics, this.room, () => {
      this.weightInFlight -= weight;
    });
  }

  /** Counts records refused for what they contained. */
  rejected(protocol: string, count: number, reason = 'invalid'): void {
    if (count === 0) return;
    this.metrics.ingestEvents.inc({ protocol, outcome: 'rejected' }, count);
    this.metrics.ingestRejections.inc({ protocol, reason }, count);
  }
}

/** One admitted request: reads its pages in turn and stores them; {@link close} it when done. */
export class IngestRequest {
  /** One receive time for the whole request, however many pages it takes. */
  private readonly receivedAt = Date.now();
  /** Events of the room this request holds: a full page while one is read, then its records until durable. */
  private held = 0;
  private closed = false;

  constructor(
    private readonly tenant: string,
    private readonly protocol: string,
    private readonly bus: Bus,
    private readonly metrics: Metrics,
    private readonly room: EventRoom,
    private readonly onClose: () => void,
  ) {}

  /**
   * The pages of `source`, each read only once the room has space for a full
   * page, so parsed events stay within `maxPendingEvents` however many
   * requests wait. {@link submit} a page's records before asking for the next.
   */
  async *pages<T extends { records: RawRecord[] }>(source: Iterable<T>): AsyncGenerator<T> {
    const iterator = source[Symbol.iterator]();
    try {
      for (;;) {
        this.letGo();
        await this.room.take(PAGE_RECORDS);
        this.held = PAGE_RECORDS;
        const next = iterator.next();
        if (next.done) return;
        this.room.give(this.held - next.value.records.length);
        this.held = next.value.records.length;
        yield next.value;
      }
    } finally {
      this.letGo();
    }
  }

  /** Stores one page of records; resolves once they are durable. */
  async submit(records: RawRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.held < records.length) {
      await this.room.take(records.length - this.held);
      this.held = records.length;
    }
    const { protocol } = this;
    const batch: RawBatch = {
      tenant: this.tenant,
      protocol,
      receivedAt: this.receivedAt,
      records,
    };
    try {
      await this.bus.publish<RawBatch>(Topics.raw, [{ key: this.tenant, value: batch }]);
    } catch (error) {
      this.metrics.ingestRejections.inc({ protocol, reason: 'store_unavailable' }, records.length);
      throw new ServiceUnavailableException({
        error: 'unavailable',
        message: `the events could not be stored, retry later (${(error as Error).message})`,
      });
    } finally {
      this.letGo();
    }
    this.metrics.ingestEvents.inc({ protocol, outcome: 'accepted' }, records.length);
  }

  /** Gives the request's weight and events back; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.letGo();
    this.onClose();
  }

  private letGo(): void {
    this.room.give(this.held);
    this.held = 0;
  }
}

/**
 * Events parsed and not yet durable, across requests. Waiters are served in
 * order, and anyone fits an empty room, so a page larger than the room still
 * goes through on its own.
 */
class EventRoom {
  private used = 0;
  private readonly waiting: { count: number; wake: () => void }[] = [];

  constructor(
    private readonly capacity: number,
    private readonly onChange: (used: number) => void,
  ) {}

  async take(count: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(count)) {
      this.used += count;
      this.onChange(this.used);
      return;
    }
    await new Promise<void>((wake) => this.waiting.push({ count, wake }));
  }

  give(count: number): void {
    if (count === 0) return;
    this.used -= count;
    // A waiter's count is taken for it before it runs, so nobody slips in between.
    while (this.waiting.length > 0 && this.fits(this.waiting[0].count)) {
      const next = this.waiting.shift()!;
      this.used += next.count;
      next.wake();
    }
    this.onChange(this.used);
  }

  private fits(count: number): boolean {
    return this.used === 0 || this.used + count <= this.capacity;
  }
}
