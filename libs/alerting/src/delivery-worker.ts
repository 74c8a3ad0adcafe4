import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Channel, DeliveryError, MAX_SEND_TIMEOUT_MS, Notification } from '@logwarden/notify';
import { Metrics } from '@logwarden/ops';
import { ALERT_STORE, AlertStore, OutboxEntry } from '@logwarden/store';
import { CHANNELS } from './notify-config.provider';

const POLL_EVERY_MS = 1_000;
const BATCH = 20;
/**
 * How long a claimed entry stays hidden from other notifier instances: twice the longest
 * send, so a slow send is not sent again meanwhile (clocks a few seconds apart included);
 * an entry whose instance died is retried when it runs out.
 */
const LEASE_MS = 2 * MAX_SEND_TIMEOUT_MS;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 600_000;
/** A message still undelivered after a day is given up on; its alert shows the last error. */
const GIVE_UP_AFTER_MS = 86_400_000;

/** The retry delay after `attempts` failures: doubling from 2 s to 10 min, with jitter so retries spread. */
function retryDelayMs(attempts: number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/**
 * Sends what the dispatcher queued in the outbox. Entries stay in the store until a
 * channel accepted them, so a crash or a restart only delays them; a receiver that is
 * down is retried with exponential backoff. Each entry is claimed before it is sent, so
 * several notifier instances on one store never send it at the same time.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;

  constructor(
    @Inject(ALERT_STORE) private readonly store: AlertStore,
    @Inject(CHANNELS) private readonly channels: Map<string, Channel>,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    metrics.gauge(
      'logwarden_notification_outbox_pending',
      'Notifications queued and not yet delivered.',
      () => store.pendingDeliveries(),
    );
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), POLL_EVERY_MS);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
    for (const channel of this.channels.values()) channel.close?.();
  }

  /** Delivers what is due now; called when the dispatcher queues something. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: Error) => this.logger.error(`delivery failed: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await this.store.claimDeliveries(Date.now(), BATCH, LEASE_MS);
      await Promise.all(due.map((entry) => this.deliver(entry)));
      if (due.length < BATCH || this.closed) return;
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const channel = this.channels.get(entry.channel);
    if (!channel) {
      await this.store.recordAttempt(entry.id, {
        sent: false,
        error: `channel "${entry.channel}" is no longer configured`,
      });
      return;
    }
    try {
      await channel.send(entry.notification as Notification);
      await this.store.recordAttempt(entry.id, { sent: true, at: Date.now() });
      this.metrics.deliveries.inc({ channel: channel.name, outcome: 'sent' });
    } catch (error) {
      const failure =
        error instanceof DeliveryError
          ? error
          : new DeliveryError(
              `${channel.type} "${channel.name}": ${(error as Error).message}`,
              true,
            );
      const now = Date.now();
      const retry = failure.retryable && now - entry.createdAt < GIVE_UP_AFTER_MS;
      await this.store.recordAttempt(entry.id, {
        sent: false,
        error: failure.message,
        // A receiver's Retry-After is honoured when it asks for longer than the backoff.
        retryAt: retry
          ? now + Math.max(retryDelayMs(entry.attempts + 1), failure.retryAfterMs ?? 0)
          : undefined,
      });
      this.metrics.deliveries.inc({ channel: channel.name, outcome: retry ? 'retry' : 'failed' });
      this.logger.warn(
        `notification ${entry.id} to ${channel.name} ${retry ? 'will be retried' : 'failed for good'}: ${failure.message}`,
      );
    }
  }
}
