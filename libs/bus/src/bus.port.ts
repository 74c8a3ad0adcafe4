/** Topic names shared by every deployment mode. */
export const Topics = {
  raw: 'logs.raw',
  events: 'logs.events',
  alerts: 'alerts',
} as const;

export interface BusMessage<T> {
  /** Messages with the same key are delivered in publish order. */
  key: string;
  value: T;
  /** Where the message's content sits in a durable log (the embedded store), for resuming after a restart. */
  position?: number;
}

export type BusHandler<T> = (messages: BusMessage<T>[]) => Promise<void>;

/**
 * The message bus port. `publish` resolves only once the messages are durable:
 * in distributed mode when the broker acknowledged them, in embedded mode when
 * every subscriber has finished with them (subscribers persist before returning).
 * A handler that throws makes the delivery fail; nothing is acknowledged then.
 */
export interface Bus {
  publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void>;
  /** One handler per (topic, group); several groups each get every message. */
  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): void;
  isReady(): boolean;
}

export const BUS = Symbol('BUS');
