import type {
  ChannelConfig,
  PagerDutyChannelConfig,
  SlackChannelConfig,
  WebhookChannelConfig,
} from './channel-config';
import { channelSecrets, deliveryError } from './delivery-errors';
import { causeOf, messageOf, nameOf } from './error-text';
import type { Channel, Notification } from './notification';
import { renderPagerDutyEvents } from './render-pagerduty';
import { renderSlackBody } from './render-slack';
import { oneLine, truncate } from './render-text';
import { renderWebhookBody } from './render-webhook';

/** How much of an error response's body goes into the message (Slack's `invalid_payload`, PagerDuty's `errors`). */
const EXCERPT_LENGTH = 200;

/** POSTs JSON to a URL; what differs between the webhook kinds is the body. */
abstract class HttpChannel<C extends ChannelConfig & { url: string }> implements Channel {
  readonly name: string;
  readonly type: C['type'];
  protected readonly secrets: string[];

  constructor(protected readonly config: C) {
    this.name = config.name;
    this.type = config.type;
    this.secrets = channelSecrets(config);
  }

  abstract send(notification: Notification): Promise<void>;

  protected async post(body: unknown, headers: Record<string, string> = {}): Promise<void> {
    const { config } = this;
    let response: Response;
    try {
      response = await fetch(config.url, {
        method: 'POST',
        headers: requestHeaders(headers),
        body: JSON.stringify(body),
        // A POST redirected would arrive as a GET, or carry our headers to another host.
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      throw this.requestError(error);
    }
    if (response.ok) {
      // Frees the connection without waiting for a body nobody reads.
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    const { status, statusText } = response;
    const excerpt = await readExcerpt(response).catch(() => '');
    const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    const reason = `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}${redirect}${excerpt === '' ? '' : `: ${excerpt}`}`;
    const retryable = status === 408 || status === 429 || status >= 500;
    throw deliveryError(
      config,
      this.secrets,
      reason,
      retryable,
      retryable ? retryAfterMs(response.headers.get('retry-after')) : undefined,
    );
  }

  private requestError(error: unknown) {
    if (nameOf(error) === 'TimeoutError') {
      return deliveryError(
        this.config,
        this.secrets,
        `no response within ${this.config.timeoutMs} ms`,
        true,
      );
    }
    // fetch reports every network failure as "fetch failed" and puts what happened in `cause`.
    const cause = causeOf(error);
    if (cause !== undefined) return deliveryError(this.config, this.secrets, cause, true);
    return deliveryError(this.config, this.secrets, messageOf(error), false);
  }
}

/** Set one by one, so a configured `Content-Type` replaces ours instead of joining it. */
function requestHeaders(extra: Record<string, string>): Headers {
  const headers = new Headers({ 'content-type': 'application/json', 'user-agent': 'Logwarden' });
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.length <= EXCERPT_LENGTH) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return truncate(oneLine(text), EXCERPT_LENGTH);
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** POSTs the version-1 JSON body (`renderWebhookBody`) with the configured headers. */
export class WebhookChannel extends HttpChannel<WebhookChannelConfig> {
  async send(notification: Notification): Promise<void> {
    await this.post(renderWebhookBody(notification), {
      'idempotency-key': notification.id,
      ...this.config.headers,
    });
  }
}

export class SlackChannel extends HttpChannel<SlackChannelConfig> {
  async send(notification: Notification): Promise<void> {
    await this.post(renderSlackBody(notification));
  }
}

/**
 * One Events API v2 request per alert, in order. A retry after a failure part-way sends
 * them all again, which PagerDuty absorbs: events with the same dedup key update one incident.
 */
export class PagerDutyChannel extends HttpChannel<PagerDutyChannelConfig> {
  async send(notification: Notification): Promise<void> {
    for (const event of renderPagerDutyEvents(notification, this.config.routingKey)) {
      await this.post(event);
    }
  }
}
