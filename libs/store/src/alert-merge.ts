import { ALERT_SAMPLE_IDS, Alert, AlertDetection } from './alert-store.port';

/**
 * How detections make alerts, the same in every store: the first opens a firing alert,
 * each repeat raises its count and widens its times, and the latest detection's rule
 * facts and summary win.
 */
export function openAlert(id: string, detection: AlertDetection, now: number): Alert {
  return {
    id,
    tenant: detection.tenant,
    groupKey: detection.groupKey,
    group: detection.group,
    status: 'firing',
    count: 1,
    firstSeen: detection.eventTime,
    lastSeen: detection.eventTime,
    eventIds: detection.eventIds.slice(-ALERT_SAMPLE_IDS),
    createdAt: now,
    ...latestFacts(detection, now),
  };
}

export function mergeDetection(previous: Alert, detection: AlertDetection, now: number): Alert {
  const eventIds = [...previous.eventIds];
  for (const id of detection.eventIds) if (!eventIds.includes(id)) eventIds.push(id);
  return {
    ...previous,
    ...latestFacts(detection, now),
    count: previous.count + 1,
    firstSeen: Math.min(previous.firstSeen, detection.eventTime),
    lastSeen: Math.max(previous.lastSeen, detection.eventTime),
    eventIds: eventIds.slice(-ALERT_SAMPLE_IDS),
  };
}

function latestFacts(detection: AlertDetection, now: number) {
  return {
    ruleId: detection.ruleId,
    ruleName: detection.ruleName,
    category: detection.category,
    severity: detection.severity,
    description: detection.description,
    labels: detection.labels,
    summary: detection.summary,
    details: detection.details,
    resolveAfterMs: detection.resolveAfterMs,
    updatedAt: now,
  };
}
