import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { BUS, Bus, BusMessage, Topics } from '@logwarden/bus';
import { Metrics } from '@logwarden/ops';
import { ALERT_STORE, AlertDetection, AlertStore } from '@logwarden/store';
import { AlertChanges } from './alert-changes';
import { NotificationDispatcher } from './notification-dispatcher';

const RESOLVE_QUIET_EVERY_MS = 1_000;
/** Re-examines open alerts: silences that ended, repeats due, groups pending at a restart. */
const SWEEP_EVERY_MS = 30_000;

/**
 * Where alerts change by themselves: detections from `alerts` open and update them,
 * quiet ones resolve. Every change goes to the dispatcher to be announced.
 */
@Injectable()
export class AlertIntakeService
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(AlertIntakeService.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(ALERT_STORE) private readonly store: AlertStore,
    @Inject(NotificationDispatcher) private readonly dispatcher: NotificationDispatcher,
    @Inject(AlertChanges) changes: AlertChanges,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    changes.listen({
      alertsChanged: (alerts) => this.dispatcher.notice(alerts),
      silencesChanged: () => void this.sweep(),
    });
  }

  onModuleInit(): void {
    this.bus.subscribe<AlertDetection>(Topics.alerts, 'alerting', (messages) =>
      this.apply(messages),
    );
  }

  onApplicationBootstrap(): void {
    this.timers = [
      setInterval(() => void this.resolveQuiet(), RESOLVE_QUIET_EVERY_MS),
      setInterval(() => void this.sweep(), SWEEP_EVERY_MS),
    ];
    for (const timer of this.timers) timer.unref();
    void this.sweep();
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async apply(messages: BusMessage<AlertDetection>[]): Promise<void> {
    const changes = await this.store.applyDetections(
      messages.map((message) => message.value),
      Date.now(),
    );
    for (const { alert, opened } of changes) {
      if (opened) {
        this.metrics.alertsOpened.inc({ rule: alert.ruleId, severity: alert.severity });
        this.logger.log(`alert ${alert.id} opened: ${alert.ruleName}: ${alert.summary}`);
      }
    }
    this.dispatcher.notice(changes.map((change) => change.alert));
  }

  private async resolveQuiet(): Promise<void> {
    try {
      const resolved = await this.store.resolveQuiet(Date.now());
      for (const alert of resolved)
        this.logger.log(`alert ${alert.id} resolved: no detection for ${alert.resolveAfterMs} ms`);
      this.dispatcher.notice(resolved);
    } catch (error) {
      this.logger.error(`resolving quiet alerts failed: ${(error as Error).message}`);
    }
  }

  private async sweep(): Promise<void> {
    try {
      this.dispatcher.notice(await this.store.awaitingNotice());
    } catch (error) {
      this.logger.error(`notification sweep failed: ${(error as Error).message}`);
    }
  }
}
