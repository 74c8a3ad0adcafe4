import type { Notification, NotifiedAlert } from './notification';
import {
  alertsByRule,
  groupText,
  headline,
  oneLine,
  plural,
  sampleLines,
  truncate,
} from './render-text';

export interface SlackTextObject {
  type: 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'section'; text: SlackTextObject }
  | { type: 'context'; elements: SlackTextObject[] }
  | { type: 'divider' };

/** An incoming-webhook message: `text` is what notifications and old clients show. */
export interface SlackBody {
  text: string;
  blocks: SlackBlock[];
}

/** Slack allows 50 blocks; each alert takes one, each rule one or two. */
const SLACK_MAX_ALERTS = 10;
const SLACK_MAX_SAMPLES = 3;
const SLACK_SAMPLE_LENGTH = 200;
/** Slack's limit for a section's text. */
const SECTION_LENGTH = 3000;
const DESCRIPTION_LENGTH = 500;
/** Keeps an alert's section, samples included, well under the section limit. */
const FIELD_LENGTH = 300;

/** Slack reads `&`, `<` and `>` as control characters; these three escapes are all it decodes. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|text>`; a `|` in the URL would end it early. */
function slackLink(url: string, text: string): string {
  return `<${escapeSlack(url.replace(/\|/g, '%7C'))}|${escapeSlack(text)}>`;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_LENGTH) } };
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_LENGTH) }] };
}

export function renderSlackBody(notification: Notification): SlackBody {
  const title = headline(notification);
  const blocks: SlackBlock[] = [section(`*${escapeSlack(title)}*`)];
  for (const alerts of alertsByRule(notification.alerts.slice(0, SLACK_MAX_ALERTS))) {
    const [{ ruleName, ruleId, description }] = alerts;
    blocks.push({ type: 'divider' });
    const about =
      description.trim() === '' ? '' : `\n${truncate(description.trim(), DESCRIPTION_LENGTH)}`;
    blocks.push(section(`*${escapeSlack(ruleName)}* ${escapeSlack(`(rule ${ruleId})${about}`)}`));
    for (const alert of alerts) blocks.push(section(alertText(alert)));
  }
  const hidden = notification.alerts.length - SLACK_MAX_ALERTS;
  if (hidden > 0) blocks.push(context(`…and ${plural(hidden, 'more alert')} not shown here.`));
  blocks.push(
    context(
      escapeSlack(`Logwarden · tenant ${notification.tenant} · group ${notification.groupKey}`),
    ),
  );
  return { text: escapeSlack(title), blocks };
}

function alertText(alert: NotifiedAlert): string {
  const lines = [
    `*${alert.status.toUpperCase()}* ${slackLink(alert.url, truncate(oneLine(alert.summary), FIELD_LENGTH))}`,
    escapeSlack(
      `Severity: ${alert.severity} · Category: ${alert.category} · Count: ${alert.count}`,
    ),
  ];
  const group = truncate(oneLine(groupText(alert.group)), FIELD_LENGTH);
  if (group !== '') lines.push(escapeSlack(`Group: ${group}`));
  lines.push(escapeSlack(`First seen ${alert.firstSeen} · Last seen ${alert.lastSeen}`));
  const samples = sampleLines(alert, SLACK_MAX_SAMPLES, SLACK_SAMPLE_LENGTH);
  if (samples.length > 0) {
    // A backtick run inside would close the code block early.
    lines.push('```' + escapeSlack(samples.join('\n').replace(/`{3,}/g, "'''")) + '```');
  }
  return lines.join('\n');
}
