import type { Severity } from '@logwarden/rules';
import type { NotifyConfig, RouteConfig, RouteMatch } from './notify-config';
import { valueText } from './render-text';

export interface RoutedAlert {
  ruleId: string;
  severity: Severity;
  category: string;
  labels: Record<string, string>;
}

export interface GroupedAlert extends RoutedAlert {
  tenant: string;
  group: Record<string, unknown>;
}

/**
 * Every route whose match holds, in file order: an alert can go to several routes, each with
 * its own channels and grouping (there is no first-match-wins).
 */
export function routesFor(config: NotifyConfig, alert: RoutedAlert): RouteConfig[] {
  return config.routes.filter((route) => matches(route.match, alert));
}

function matches(match: RouteMatch, alert: RoutedAlert): boolean {
  return (
    (match.severity === undefined || match.severity.includes(alert.severity)) &&
    (match.category === undefined || match.category.includes(alert.category)) &&
    (match.rule === undefined || match.rule.includes(alert.ruleId)) &&
    (match.labels === undefined ||
      Object.entries(match.labels).every(([name, value]) => alert.labels[name] === value))
  );
}

/**
 * The values an alert is grouped by on this route, as `rule=ssh-brute-force,source.ip=10.0.0.5`:
 * alerts with equal strings go into one message. `rule`, `severity`, `category` and `tenant`
 * are the alert's; any other field is looked up in its group values (missing: `null`). The
 * tenant is not included unless grouped by: callers key groups by tenant as well, so tenants
 * never share a message.
 */
export function groupValuesFor(route: RouteConfig, alert: GroupedAlert): string {
  return route.groupBy.map((field) => `${field}=${keyValue(fieldValue(field, alert))}`).join(',');
}

function fieldValue(field: string, alert: GroupedAlert): unknown {
  switch (field) {
    case 'rule':
      return alert.ruleId;
    case 'severity':
      return alert.severity;
    case 'category':
      return alert.category;
    case 'tenant':
      return alert.tenant;
    default:
      return Object.hasOwn(alert.group, field) ? alert.group[field] : null;
  }
}

/**
 * Plain strings stay bare; the rest is JSON, so `a,b=c` (quoted) cannot be read as two
 * values and the string "null" cannot pass for a missing one.
 */
function keyValue(value: unknown): string {
  if (typeof value === 'string' && /^[A-Za-z0-9._:/@+-]*$/.test(value) && !isJsonLiteral(value)) {
    return value;
  }
  return typeof value === 'string' ? JSON.stringify(value) : valueText(value);
}

function isJsonLiteral(text: string): boolean {
  return (
    text === 'null' ||
    text === 'true' ||
    text === 'false' ||
    /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)
  );
}
