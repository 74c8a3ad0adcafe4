import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EcsEvent } from '@logwarden/schema';
import {
  ALERT_STORE,
  Alert,
  AlertFilter,
  AlertStore,
  Delivery,
  EVENT_STORE,
  EventStore,
} from '@logwarden/store';
import { AlertChanges } from './alert-changes';

export interface AlertDetail {
  alert: Alert;
  samples: EcsEvent[];
  deliveries: Delivery[];
}

/** Alerts as people see and handle them: listing, detail, acknowledgement and resolution. */
@Injectable()
export class AlertsService {
  constructor(
    @Inject(ALERT_STORE) private readonly store: AlertStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(AlertChanges) private readonly changes: AlertChanges,
  ) {}

  list(filter: AlertFilter): Promise<Alert[]> {
    return this.store.list(filter);
  }

  async detail(tenant: string, id: string): Promise<AlertDetail> {
    const alert = await this.store.get(tenant, id);
    if (!alert) throw notFound(id);
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
    if (!alert) throw notFound(id);
    if (alert.status === 'resolved') this.changes.alertsChanged([alert]);
    return alert;
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException({ error: 'not_found', message: `No alert ${id}` });
}
