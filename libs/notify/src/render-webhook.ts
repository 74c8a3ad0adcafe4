import type { Notification, NotifiedAlert } from './notification';
import { headline } from './render-text';

/**
 * The generic webhook body, version 1. Fields are only ever added within a version, so a
 * receiver should ignore what it does not know.
 */
export interface WebhookBody {
  version: '1';
  /** Stable across retries of one delivery: receivers deduplicate on it. */
  id: string;
  status: Notification['status'];
  groupKey: string;
  tenant: string;
  /** The same one-line headline the email subject uses. */
  title: string;
  alerts: NotifiedAlert[];
}

export function renderWebhookBody(notification: Notification): WebhookBody {
  return {
    version: '1',
    id: notification.id,
    status: notification.status,
    groupKey: notification.groupKey,
    tenant: notification.tenant,
    title: headline(notification),
    // Listed field by field: the body is a public contract, whatever else an alert carries.
    alerts: notification.alerts.map((alert) => ({
      id: alert.id,
      ruleId: alert.ruleId,
      ruleName: alert.ruleName,
      category: alert.category,
      severity: alert.severity,
      description: alert.description,
      labels: alert.labels,
      group: alert.group,
      status: alert.status,
      count: alert.count,
      firstSeen: alert.firstSeen,
      lastSeen: alert.lastSeen,
      summary: alert.summary,
      samples: alert.samples,
      url: alert.url,
    })),
  };
}
