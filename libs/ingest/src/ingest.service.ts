import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { BUS, Bus, Topics } from '@logwarden/bus';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { OverloadedError } from '@logwarden/http';
import { Metrics } from '@logwarden/ops';
import type { RawBatch, RawRecord } from '@logwarden/schema';

/**
 * Hands received records to the pipeline and resolves once they are durable,
 * so that a shipper is acknowledged only for what cannot be lost.
 */
@Injectable()
export class IngestService {
  private pending = 0;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async submit(tenant: string, protocol: string, records: RawRecord[]): Promise<void> {
    if (records.length === 0) return;
    // An idle server takes any batch, however large: otherwise one bigger than the limit could never land.
    if (this.pending > 0 && this.pending + records.length > this.config.maxPendingEvents) {
      this.metrics.ingestRejections.inc({ protocol, reason: 'overloaded' }, records.length);
      throw new OverloadedError(1);
    }
    const batch: RawBatch = { tenant, protocol, receivedAt: Date.now(), records };
    this.pending += records.length;
    this.metrics.pendingEvents.set(this.pending);
    try {
      await this.bus.publish<RawBatch>(Topics.raw, [{ key: tenant, value: batch }]);
    } catch (error) {
      this.metrics.ingestRejections.inc({ protocol, reason: 'store_unavailable' }, records.length);
      throw new ServiceUnavailableException({
        error: 'unavailable',
        message: `the events could not be stored, retry later (${(error as Error).message})`,
      });
    } finally {
      this.pending -= records.length;
      this.metrics.pendingEvents.set(this.pending);
    }
    this.metrics.ingestEvents.inc({ protocol, outcome: 'accepted' }, records.length);
  }

  /** Counts records refused for what they contained. */
  rejected(protocol: string, count: number, reason = 'invalid'): void {
    if (count === 0) return;
    this.metrics.ingestEvents.inc({ protocol, outcome: 'rejected' }, count);
    this.metrics.ingestRejections.inc({ protocol, reason }, count);
  }
}
