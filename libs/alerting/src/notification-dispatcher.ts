import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import {
  Notification,
  NotifiedAlert,
  NotifyConfig,
  RouteConfig,
  groupValuesFor,
  routesFor,
} from '@logwarden/notify';
import { getField } from '@logwarden/schema';
import {
  ALERT_STORE,
  Alert,
  AlertStore,
  EVENT_STORE,
  EventStore,
  NewOutboxEntry,
} from '@logwarden/store';
import { DeliveryWorker } from './delivery-worker';
import { NOTIFY_CONFIG } from './notify-config.provider';
import { SilencesService } from './silences.service';

/** One route's alerts that share its `group_by` values: they are announced together. */
interface NotificationGroup {
  route: RouteConfig;
  tenant: string;
  key: string;
  lastFlush?: number;
  timer?: NodeJS.Timeout;
  /** When the timer fires. */
  due?: number;
}

const SAMPLES_PER_ALERT = 3;
const SAMPLE_LOOKBACK_MS = 3_600_000;

/**
 * Turns alert changes into queued messages, the way Alertmanager groups them: a new
 * group waits `group_wait` so a storm becomes one message, later changes wait out
 * `group_interval`, and alerts still firing are announced again after
 * `repeat_interval`. Acknowledged and silenced alerts are not announced; resolution
 * is. What was announced is stored per route and alert, so a restart neither repeats
 * nor forgets an announcement.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly groups = new Map<string, NotificationGroup>();
  private closed = false;
  private flushing = new Set<Promise<void>>();

  constructor(
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(NOTIFY_CONFIG) private readonly notify: NotifyConfig,
    @Inject(ALERT_STORE) private readonly alerts: AlertStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(SilencesService) private readonly silences: SilencesService,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
  ) {}

  /** Schedules the groups of alerts that changed (or may be due a repeat). */
  notice(alerts: Alert[]): void {
    if (this.closed) return;
    for (const alert of alerts) {
      for (const route of routesFor(this.notify, alert)) {
        const key = `${route.name}/${alert.tenant}/${groupValuesFor(route, alert)}`;
        let group = this.groups.get(key);
        if (!group) this.groups.set(key, (group = { route, tenant: alert.tenant, key }));
        this.schedule(group);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const group of this.groups.values()) clearTimeout(group.timer);
    await Promise.allSettled([...this.flushing]);
  }

  /** Flushes the group at `at`, or as its timing allows; an earlier flush already planned stands. */
  private schedule(group: NotificationGroup, at?: number): void {
    const now = Date.now();
    const due =
      at ??
      (group.lastFlush === undefined
        ? now + group.route.groupWaitMs
        : Math.max(now, group.lastFlush + group.route.groupIntervalMs));
    if (group.timer && group.due! <= due) return;
    clearTimeout(group.timer);
    group.due = due;
    group.timer = setTimeout(() => {
      group.timer = undefined;
      const flush = this.flush(group)
        .catch((error: Error) =>
          this.logger.error(`notification group ${group.key} failed: ${error.message}`),
        )
        .finally(() => this.flushing.delete(flush));
      this.flushing.add(flush);
    }, due - now);
    group.timer.unref();
  }

  private async flush(group: NotificationGroup): Promise<void> {
    if (this.closed) return;
    const { route } = group;
    const now = Date.now();
    const members = (await this.alerts.awaitingNotice()).filter(
      (alert) =>
        alert.tenant === group.tenant &&
        `${route.name}/${alert.tenant}/${groupValuesFor(route, alert)}` === group.key &&
        routesFor(this.notify, alert).some((matched) => matched.name === route.name),
    );
    if (members.length === 0) return;
    const states = await this.alerts.notificationStates(
      route.name,
      members.map((alert) => alert.id),
    );
    const silenced = await this.silences.silencer(now);
    const announce: { alert: Alert; kind: 'firing' | 'resolved' }[] = [];
    const unannounced: string[] = [];
    let nextRepeat = Infinity;
    for (const alert of members) {
      const state = states.get(alert.id);
      if (alert.status === 'resolved') {
        if (state?.status === 'firing') announce.push({ alert, kind: 'resolved' });
        else unannounced.push(alert.id);
      } else if (alert.status === 'firing' && !silenced(alert)) {
        if (!state || now - state.at >= route.repeatIntervalMs)
          announce.push({ alert, kind: 'firing' });
        else nextRepeat = Math.min(nextRepeat, state.at + route.repeatIntervalMs);
      }
    }
    if (unannounced.length > 0) await this.alerts.forget(route.name, unannounced);
    if (announce.length > 0) {
      const notification = await this.notification(group, announce);
      const entries: NewOutboxEntry[] = route.channels.map((channel) => ({
        tenant: group.tenant,
        channel,
        route: route.name,
        groupKey: notification.groupKey,
        notification,
        alerts: Object.fromEntries(announce.map(({ alert, kind }) => [alert.id, kind])),
      }));
      await this.alerts.enqueue(entries, now);
      group.lastFlush = now;
      this.worker.wake();
    }
    if (Number.isFinite(nextRepeat)) this.schedule(group, nextRepeat);
  }

  private async notification(
    group: NotificationGroup,
    announce: { alert: Alert; kind: 'firing' | 'resolved' }[],
  ): Promise<Notification> {
    const alerts = await Promise.all(announce.map(({ alert, kind }) => this.describe(alert, kind)));
    return {
      id: randomUUID(),
      tenant: group.tenant,
      groupKey: `${group.route.name}/${groupValuesFor(group.route, announce[0].alert)}`,
      status: alerts.some((alert) => alert.status !== 'resolved') ? 'firing' : 'resolved',
      alerts,
    };
  }

  private async describe(alert: Alert, kind: 'firing' | 'resolved'): Promise<NotifiedAlert> {
    const ids = alert.eventIds.slice(-SAMPLES_PER_ALERT);
    const samples = await this.events.getByIds(alert.tenant, ids, {
      from: alert.lastSeen - Math.max(alert.resolveAfterMs, SAMPLE_LOOKBACK_MS),
      to: alert.lastSeen + 1,
    });
    return {
      id: alert.id,
      ruleId: alert.ruleId,
      ruleName: alert.ruleName,
      category: alert.category,
      severity: alert.severity,
      description: alert.description,
      labels: alert.labels,
      group: alert.group,
      status: kind === 'resolved' ? 'resolved' : alert.status,
      count: alert.count,
      firstSeen: new Date(alert.firstSeen).toISOString(),
      lastSeen: new Date(alert.lastSeen).toISOString(),
      summary: alert.summary,
      samples: samples.map((event) => {
        const message = getField(event, 'message');
        return typeof message === 'string' ? message : JSON.stringify(event);
      }),
      url: `${this.config.publicUrl}/api/v1/alerts/${alert.id}`,
    };
  }
}
