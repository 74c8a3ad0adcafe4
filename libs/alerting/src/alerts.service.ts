import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { BUS, Bus, BusMessage, Topics } from '@logwarden/bus';
import { Metrics } from '@logwarden/ops';
import type { EcsEvent } from '@logwarden/schema';
import {
  ALERT_STORE,
  Alert,
  AlertDetection,
  AlertFilter,
  AlertStore,
  Delivery,
  EVENT_STORE,
  EventStore,
} from '@logwarden/store';
import { NotificationDispatcher } from './notification-dispatcher';

const RESOLVE_QUIET_EVERY_MS = 1_000;
/** Re-examines open alerts: silences that ended, repeats due, groups pending at a restart. */
const SWEEP_EVERY_MS = 30_000;

export interface AlertDetail {
  alert: Alert;
  samples: EcsEvent[];
  deliveries: Delivery[];
}

/** The alert lifecycle: detections open and update alerts; people acknowledge and resolve them. */
@Injectable()
export class AlertsService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsService.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(ALERT_STORE) private readonly store: AlertStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(NotificationDispatcher) private readonly dispatcher: NotificationDispatcher,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

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

  async apply(messages: BusMessage<AlertDetection>[]): Promise<void> {
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

  list(filter: AlertFilter): Promise<Alert[]> {
    return this.store.list(filter);
  }

  async detail(tenant: string, id: string): Promise<AlertDetail> {
    const alert = await this.get(tenant, id);
    const [samples, deliveries] = await Promise.all([
      this.events.getByIds(tenant, alert.eventIds, {
        from: alert.firstSeen - alert.resolveAfterMs,
        to: alert.lastSeen + 1,
      }),
      this.store.deliveries(alert.id),
    ]);
    return { alert, samples, deliveries };
  }

  async transition(
    tenant: string,
    id: string,
    status: 'acknowledged' | 'resolved',
    by: string,
  ): Promise<Alert> {
    const alert = await this.store.transition(tenant, id, status, by, Date.now());
    if (!alert) throw new NotFoundException({ error: 'not_found', message: `No alert ${id}` });
    if (alert.status === 'resolved') this.dispatcher.notice([alert]);
    return alert;
  }

  private async get(tenant: string, id: string): Promise<Alert> {
    const alert = await this.store.get(tenant, id);
    if (!alert) throw new NotFoundException({ error: 'not_found', message: `No alert ${id}` });
    return alert;
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

  /** Looks at every alert awaiting notice again, e.g. once a silence is lifted. */
  async sweep(): Promise<void> {
    try {
      this.dispatcher.notice(await this.store.awaitingNotice());
    } catch (error) {
      this.logger.error(`notification sweep failed: ${(error as Error).message}`);
    }
  }
}
