import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { ALERT_STORE, AlertStore } from './alert-store.port';
import { EVENT_STORE, EventStore } from './event-store.port';

const DAY_MS = 86_400_000;
const SWEEP_EVERY_MS = 60_000;
/** Small deletes, with the event loop free between them, keep ingest flowing. */
const DELETE_CHUNK = 2_000;

/** Deletes events older than the retention period, a chunk at a time, and alerts resolved before it. */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ALERT_STORE) private readonly alerts: AlertStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Answers how many events were deleted. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    const cutoff = now - this.config.retentionDays * DAY_MS;
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.store.deleteOlderThan(cutoff, DELETE_CHUNK);
        total += deleted;
        if (deleted < DELETE_CHUNK) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.alerts.deleteOlderThan(cutoff);
      if (total > 0)
        this.logger.log(
          `retention deleted ${total} events older than ${new Date(cutoff).toISOString()}`,
        );
    } catch (error) {
      this.logger.error(`retention sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
    return total;
  }
}
