import { Injectable } from '@nestjs/common';
import { Bus, BusHandler, BusMessage, Subscription } from './bus.port';

/**
 * The embedded bus: delivery is a direct call into each subscribed group, so a
 * publish is durable exactly when the consumers have committed their work.
 */
@Injectable()
export class InProcessBus implements Bus {
  private readonly groups = new Map<string, Map<string, BusHandler<unknown>>>();

  async publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void> {
    const handlers = this.groups.get(topic);
    if (!handlers || messages.length === 0) return;
    await Promise.all([...handlers.values()].map((handler) => handler(messages)));
  }

  /** Delivery is a call that returns once the handler is done, so there is no progress to commit. */
  subscribe<T>(topic: string, group: string, handler: BusHandler<T>): Subscription {
    let handlers = this.groups.get(topic);
    if (!handlers) this.groups.set(topic, (handlers = new Map<string, BusHandler<unknown>>()));
    if (handlers.has(group)) throw new Error(`group "${group}" already consumes ${topic}`);
    handlers.set(group, handler as BusHandler<unknown>);
    return { commit: () => Promise.resolve(), forget: () => undefined };
  }

  isReady(): boolean {
    return true;
  }
}
