import type { Provider } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Channel, NotifyConfig, createChannel } from '@logwarden/notify';

export const NOTIFY_CONFIG = Symbol('NOTIFY_CONFIG');
/** Configured channels by name. */
export const CHANNELS = Symbol('CHANNELS');

export const notifyProviders: Provider[] = [
  {
    provide: NOTIFY_CONFIG,
    inject: [CONFIG],
    useFactory: (config: LogwardenConfig): NotifyConfig => config.notify,
  },
  {
    provide: CHANNELS,
    inject: [NOTIFY_CONFIG],
    useFactory: (notify: NotifyConfig): Map<string, Channel> =>
      new Map(notify.channels.map((channel) => [channel.name, createChannel(channel)])),
  },
];
