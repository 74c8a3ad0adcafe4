export {
  DeliveryError,
  type Channel,
  type ChannelType,
  type Notification,
  type NotifiedAlert,
} from './notification';
export {
  DEFAULT_EMAIL_TIMEOUT_MS,
  DEFAULT_HTTP_TIMEOUT_MS,
  MAX_SEND_TIMEOUT_MS,
  PAGERDUTY_EVENTS_URL,
  describeChannel,
  type ChannelConfig,
  type ChannelDescription,
  type EmailChannelConfig,
  type PagerDutyChannelConfig,
  type SlackChannelConfig,
  type WebhookChannelConfig,
} from './channel-config';
export { createChannel } from './create-channel';
export {
  ROUTE_DEFAULTS,
  parseNotifyConfig,
  type NotifyConfig,
  type NotifyConfigResult,
  type RouteConfig,
  type RouteMatch,
} from './notify-config';
export {
  DEFAULT_CONFIG_FILE,
  loadNotifyConfig,
  notifyConfigFromEnv,
  type LoadedNotifyConfig,
} from './env-config';
export { groupValuesFor, routesFor, type GroupedAlert, type RoutedAlert } from './routing';
export { renderEmail, type RenderedEmail } from './render-email';
export { renderWebhookBody, type WebhookBody } from './render-webhook';
export { renderSlackBody, type SlackBlock, type SlackBody } from './render-slack';
export {
  PAGERDUTY_SEVERITY,
  renderPagerDutyEvents,
  type PagerDutyEvent,
  type PagerDutySeverity,
} from './render-pagerduty';
export { headline } from './render-text';
