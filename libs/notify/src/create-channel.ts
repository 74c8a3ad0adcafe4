import type { ChannelConfig } from './channel-config';
import { EmailChannel } from './email-channel';
import type { Channel } from './notification';
import { PagerDutyChannel, SlackChannel, WebhookChannel } from './webhook-channels';

/** The channel a validated configuration describes; call `close()` on it at shutdown. */
export function createChannel(config: ChannelConfig): Channel {
  switch (config.type) {
    case 'email':
      return new EmailChannel(config);
    case 'webhook':
      return new WebhookChannel(config);
    case 'slack':
      return new SlackChannel(config);
    case 'pagerduty':
      return new PagerDutyChannel(config);
  }
}
