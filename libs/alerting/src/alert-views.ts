import type { Alert, Delivery, Silence } from '@logwarden/store';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An alert as the API answers it: snake_case, ISO-8601 times. */
export function alertView(alert: Alert) {
  return {
    id: alert.id,
    status: alert.status,
    rule_id: alert.ruleId,
    rule_name: alert.ruleName,
    category: alert.category,
    severity: alert.severity,
    description: alert.description,
    labels: alert.labels,
    group: alert.group,
    count: alert.count,
    first_seen: iso(alert.firstSeen),
    last_seen: iso(alert.lastSeen),
    summary: alert.summary,
    details: alert.details,
    sample_event_ids: alert.eventIds,
    created_at: iso(alert.createdAt),
    updated_at: iso(alert.updatedAt),
    acknowledged_at: iso(alert.acknowledgedAt),
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: iso(alert.resolvedAt),
    resolved_by: alert.resolvedBy,
  };
}

export function deliveryView(delivery: Delivery) {
  return {
    channel: delivery.channel,
    route: delivery.route,
    kind: delivery.kind,
    status: delivery.status,
    attempts: delivery.attempts,
    last_error: delivery.lastError,
    created_at: iso(delivery.createdAt),
    sent_at: iso(delivery.sentAt),
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAt) : undefined,
  };
}

export function silenceView(silence: Silence) {
  return {
    id: silence.id,
    matchers: silence.matchers,
    starts_at: iso(silence.startsAt),
    ends_at: iso(silence.endsAt),
    comment: silence.comment,
    created_by: silence.createdBy,
    created_at: iso(silence.createdAt),
  };
}
