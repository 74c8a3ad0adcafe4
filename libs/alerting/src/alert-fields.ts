import { expandFields } from '@logwarden/schema';
import type { Alert } from '@logwarden/store';

/**
 * An alert as silence matchers see it: `rule.id`, `rule.name`, `severity`, `category`,
 * `status`, `labels.<name>`, and its group values under their own field names
 * (`container.name`, `source.ip`), so a silence reads like a search.
 */
export function alertFields(alert: Alert): Record<string, unknown> {
  return {
    ...expandFields(alert.group),
    id: alert.id,
    rule: { id: alert.ruleId, name: alert.ruleName },
    severity: alert.severity,
    category: alert.category,
    status: alert.status,
    labels: alert.labels,
  };
}
