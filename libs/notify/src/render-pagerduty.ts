import type { Severity } from '@logwarden/rules';
import type { Notification, NotifiedAlert } from './notification';
import { groupText, oneLine, truncate } from './render-text';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** PagerDuty knows four severities; `low` is not worth waking anyone for, so it joins `info`. */
export const PAGERDUTY_SEVERITY: Record<Severity, PagerDutySeverity> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** Events API v2 limits. */
const SUMMARY_LENGTH = 1024;
const SOURCE_LENGTH = 255;

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client: string;
  client_url: string;
  links: { href: string; text: string }[];
}

/** `acknowledge` and `resolve` name the incident by its dedup key alone. */
export interface PagerDutyUpdate {
  routing_key: string;
  event_action: 'acknowledge' | 'resolve';
  dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyUpdate;

/**
 * One event per alert, deduplicated by the alert id so retries and repeats update one
 * incident: firing alerts trigger, acknowledged ones acknowledge, resolved ones resolve.
 */
export function renderPagerDutyEvents(
  notification: Notification,
  routingKey: string,
): PagerDutyEvent[] {
  return notification.alerts.map((alert) => {
    if (alert.status === 'firing') return trigger(notification, alert, routingKey);
    return {
      routing_key: routingKey,
      event_action: alert.status === 'resolved' ? 'resolve' : 'acknowledge',
      dedup_key: alert.id,
    };
  });
}

function trigger(
  notification: Notification,
  alert: NotifiedAlert,
  routingKey: string,
): PagerDutyTrigger {
  const group = oneLine(groupText(alert.group));
  const subject = group === '' ? alert.ruleName : `${alert.ruleName} (${group})`;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.id,
    payload: {
      summary: truncate(oneLine(`${subject}: ${alert.summary}`), SUMMARY_LENGTH),
      source: truncate(group === '' ? `logwarden/${notification.tenant}` : group, SOURCE_LENGTH),
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.lastSeen,
      component: alert.ruleId,
      group: notification.tenant,
      class: alert.category,
      custom_details: {
        rule: alert.ruleId,
        rule_name: alert.ruleName,
        description: alert.description,
        severity: alert.severity,
        labels: alert.labels,
        group: alert.group,
        count: alert.count,
        first_seen: alert.firstSeen,
        last_seen: alert.lastSeen,
        samples: alert.samples,
        url: alert.url,
      },
    },
    client: 'Logwarden',
    client_url: alert.url,
    links: [{ href: alert.url, text: 'Alert in Logwarden' }],
  };
}
