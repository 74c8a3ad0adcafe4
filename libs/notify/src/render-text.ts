import { SEVERITIES, type Severity } from '@logwarden/rules';
import type { Notification, NotifiedAlert } from './notification';

/** `source.ip=10.0.0.5, user.name=root`; strings bare, other values as JSON, a missing value as `null`. */
export function groupText(group: Record<string, unknown>): string {
  return Object.entries(group)
    .map(([field, value]) => `${field}=${valueText(value)}`)
    .join(', ');
}

export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'null';
}

export function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

/**
 * The one-line headline of a message, used as the email subject, the Slack fallback text and
 * the webhook `title`: `[FIRING:3] [HIGH] SSH brute force — source.ip=10.0.0.5`. The count is
 * the number of firing alerts; the severity the highest among the alerts the tag counts; the
 * group values those every alert of the message shares.
 */
export function headline(notification: Notification, maxLength = 250): string {
  const { alerts } = notification;
  const firing = alerts.filter((alert) => alert.status === 'firing');
  const acknowledged = alerts.filter((alert) => alert.status === 'acknowledged');
  let tag: string;
  let counted: NotifiedAlert[];
  if (notification.status === 'resolved' || (firing.length === 0 && acknowledged.length === 0)) {
    tag = '[RESOLVED]';
    counted = alerts;
  } else if (firing.length > 0) {
    tag = `[FIRING:${firing.length}]`;
    counted = firing;
  } else {
    tag = `[ACKNOWLEDGED:${acknowledged.length}]`;
    counted = acknowledged;
  }
  const parts = [tag];
  const severity = highestSeverity(counted);
  if (severity !== undefined) parts.push(`[${severity.toUpperCase()}]`);
  parts.push(rulesText(alerts));
  const common = groupText(commonGroup(alerts));
  return truncate(
    oneLine(common === '' ? parts.join(' ') : `${parts.join(' ')} — ${common}`),
    maxLength,
  );
}

function rulesText(alerts: NotifiedAlert[]): string {
  const names = [...new Set(alerts.map((alert) => alert.ruleName))];
  if (names.length <= 1) return names[0] ?? 'no alerts';
  const shown = names.slice(0, 2).join(', ');
  const more = names.length > 2 ? ` and ${names.length - 2} more` : '';
  return `${names.length} rules: ${shown}${more}`;
}

function highestSeverity(alerts: NotifiedAlert[]): Severity | undefined {
  let highest: Severity | undefined;
  for (const { severity } of alerts) {
    if (highest === undefined || SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(highest)) {
      highest = severity;
    }
  }
  return highest;
}

/** The group entries every alert has with the same value. */
function commonGroup(alerts: NotifiedAlert[]): Record<string, unknown> {
  if (alerts.length === 0) return {};
  const [first, ...rest] = alerts;
  return Object.fromEntries(
    Object.entries(first.group).filter(([field, value]) =>
      rest.every(
        (alert) =>
          field in alert.group && JSON.stringify(alert.group[field]) === JSON.stringify(value),
      ),
    ),
  );
}

/** Alerts by rule, rules in order of first appearance, so a rule's description is said once. */
export function alertsByRule(alerts: NotifiedAlert[]): NotifiedAlert[][] {
  const byRule = new Map<string, NotifiedAlert[]>();
  for (const alert of alerts) {
    const list = byRule.get(alert.ruleId);
    if (list === undefined) byRule.set(alert.ruleId, [alert]);
    else list.push(alert);
  }
  return [...byRule.values()];
}

/** Log lines hold tabs, newlines and terminal escapes; one sample must stay one line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** At most `max` characters (UTF-16 units), ending in `…` when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Sample log lines as a message shows them: the first few, each on one line and cut to `maxLength`. */
export function sampleLines(alert: NotifiedAlert, count: number, maxLength: number): string[] {
  return alert.samples.slice(0, count).map((sample) => truncate(oneLine(sample), maxLength));
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
