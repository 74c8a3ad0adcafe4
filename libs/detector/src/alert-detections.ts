import { hash } from 'node:crypto';
import type { Detection, Rule } from '@logwarden/rules';
import type { AlertDetection } from '@logwarden/store';

/** How long a rule's condition spans: its window, sequence time or throttle. */
function ruleSpanMs(rule: Rule): number {
  switch (rule.type) {
    case 'threshold':
      return rule.threshold.windowMs;
    case 'cardinality':
      return rule.cardinality.windowMs;
    case 'spike':
      return rule.spike.windowMs;
    case 'flatline':
      return rule.flatline.windowMs;
    case 'sequence':
      return rule.sequence.withinMs;
    default:
      return rule.throttleMs;
  }
}

/**
 * A detection with its rule's facts, ready for the alert store. Its id depends only on
 * what the engine found, so the same detection replayed after a restart has the same id.
 */
export function toAlertDetection(
  rule: Rule,
  detection: Detection,
  resolveAfterMs: number,
): AlertDetection {
  const id = hash(
    'sha256',
    JSON.stringify([
      detection.ruleId,
      detection.groupKey,
      detection.eventTime,
      detection.count,
      detection.eventIds,
    ]),
    'base64url',
  ).slice(0, 22);
  return {
    id,
    tenant: detection.tenant,
    ruleId: rule.id,
    ruleName: rule.name,
    category: rule.category,
    severity: rule.severity,
    description: rule.description,
    labels: rule.labels,
    groupKey: detection.groupKey,
    group: detection.groupValues,
    eventTime: detection.eventTime,
    count: detection.count,
    eventIds: detection.eventIds,
    summary: detection.summary,
    details: detection.details,
    // A condition that lasts fires once per window: quiet means two windows without one.
    resolveAfterMs: Math.max(resolveAfterMs, 2 * ruleSpanMs(rule)),
  };
}
