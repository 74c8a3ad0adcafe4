import type { Notification, NotifiedAlert } from './notification';
import {
  alertsByRule,
  groupText,
  headline,
  labelsText,
  oneLine,
  plural,
  sampleLines,
  truncate,
} from './render-text';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A storm folded into one message still has to be readable; the rest are in the API. */
const EMAIL_MAX_ALERTS = 50;
const EMAIL_MAX_SAMPLES = 5;
const EMAIL_SAMPLE_LENGTH = 300;
const DESCRIPTION_LENGTH = 2000;

/** The subject and a plain-text and an HTML body saying the same thing. */
export function renderEmail(notification: Notification): RenderedEmail {
  const subject = headline(notification);
  const shown = alertsByRule(notification.alerts.slice(0, EMAIL_MAX_ALERTS));
  const hidden = notification.alerts.length - EMAIL_MAX_ALERTS;
  return {
    subject,
    text: textBody(notification, subject, shown, hidden),
    html: htmlBody(notification, subject, shown, hidden),
  };
}

/** Label and text of each line of an alert's details, in display order. */
function alertFields(alert: NotifiedAlert): [string, string][] {
  const fields: [string, string][] = [
    ['Status', alert.status],
    ['Severity', alert.severity],
    ['Category', alert.category],
  ];
  const group = oneLine(groupText(alert.group));
  if (group !== '') fields.push(['Group', group]);
  const labels = oneLine(labelsText(alert.labels));
  if (labels !== '') fields.push(['Labels', labels]);
  fields.push(
    ['Count', String(alert.count)],
    ['First seen', alert.firstSeen],
    ['Last seen', alert.lastSeen],
  );
  return fields;
}

function moreSamples(alert: NotifiedAlert): number {
  return Math.max(0, alert.samples.length - EMAIL_MAX_SAMPLES);
}

function footer(notification: Notification): string {
  return `Sent by Logwarden for tenant "${notification.tenant}", notification group ${notification.groupKey}.`;
}

function textBody(
  notification: Notification,
  subject: string,
  rules: NotifiedAlert[][],
  hidden: number,
): string {
  const lines = [subject, ''];
  for (const alerts of rules) {
    const [{ ruleName, ruleId, description }] = alerts;
    lines.push(`== ${ruleName} (rule ${ruleId}) ==`);
    if (description.trim() !== '') lines.push(truncate(description.trim(), DESCRIPTION_LENGTH));
    for (const alert of alerts) {
      lines.push('', `* ${oneLine(alert.summary)}`);
      for (const [label, value] of alertFields(alert)) {
        lines.push(`  ${`${label}:`.padEnd(12)} ${value}`);
      }
      const samples = sampleLines(alert, EMAIL_MAX_SAMPLES, EMAIL_SAMPLE_LENGTH);
      if (samples.length > 0) {
        lines.push('  Samples:', ...samples.map((sample) => `    ${sample}`));
        if (moreSamples(alert) > 0) lines.push(`    (${moreSamples(alert)} more)`);
      }
      lines.push(`  ${'Alert:'.padEnd(12)} ${alert.url}`);
    }
    lines.push('');
  }
  if (hidden > 0) lines.push(`…and ${plural(hidden, 'more alert')} not shown here.`, '');
  lines.push('-- ', footer(notification));
  return `${lines.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Only http(s) becomes a link: anything else in an href could run script in a webmail client. */
function link(url: string, text: string): string {
  return /^https?:\/\//i.test(url)
    ? `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`
    : escapeHtml(url);
}

function htmlBody(
  notification: Notification,
  subject: string,
  rules: NotifiedAlert[][],
  hidden: number,
): string {
  const cell = 'style="padding:2px 12px 2px 0;vertical-align:top"';
  const parts = [
    '<!DOCTYPE html>',
    '<html><body style="font-family:sans-serif;font-size:14px">',
    `<h2>${escapeHtml(subject)}</h2>`,
  ];
  for (const alerts of rules) {
    const [{ ruleName, ruleId, description }] = alerts;
    parts.push(`<h3>${escapeHtml(ruleName)} <small>(rule ${escapeHtml(ruleId)})</small></h3>`);
    if (description.trim() !== '') {
      parts.push(
        `<p style="white-space:pre-wrap">${escapeHtml(truncate(description.trim(), DESCRIPTION_LENGTH))}</p>`,
      );
    }
    for (const alert of alerts) {
      parts.push(`<p><b>${escapeHtml(alert.summary)}</b></p>`, '<table>');
      for (const [label, value] of alertFields(alert)) {
        parts.push(`<tr><td ${cell}>${label}</td><td ${cell}>${escapeHtml(value)}</td></tr>`);
      }
      const samples = sampleLines(alert, EMAIL_MAX_SAMPLES, EMAIL_SAMPLE_LENGTH);
      if (samples.length > 0) {
        const more = moreSamples(alert) > 0 ? `\n(${moreSamples(alert)} more)` : '';
        parts.push(
          `<tr><td ${cell}>Samples</td><td ${cell}><pre style="margin:0;white-space:pre-wrap">${escapeHtml(samples.join('\n') + more)}</pre></td></tr>`,
        );
      }
      parts.push(
        `<tr><td ${cell}>Alert</td><td ${cell}>${link(alert.url, alert.url)}</td></tr>`,
        '</table>',
      );
    }
  }
  if (hidden > 0) parts.push(`<p>…and ${plural(hidden, 'more alert')} not shown here.</p>`);
  parts.push(
    `<p style="color:#666;font-size:12px">${escapeHtml(footer(notification))}</p>`,
    '</body></html>',
  );
  return parts.join('\n');
}
