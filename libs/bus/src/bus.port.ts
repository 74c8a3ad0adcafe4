/** Topic names shared by every deployment mode; a broker adapter maps them to its configured names. */
export const Topics = {
  raw: 'logs.raw',
  events: 'logs.events',
  alerts: 'alerts',
  /** What could not be processed, with the reason, for people to look at. */
  deadLetter: 'logs.dead-letter',
} as const;

export interface BusMessage<T> {
  /** Messages with the same key are delivered in publish order. */
  key: string;
  value: T;
  /** Where the message's content sits in a durable log (the embedded store), for resuming after a restart. */
  position?: number;
  /** Set on delivery by a partitioned broker (Kafka): the partition the message came from. */
  partition?: number;
  /** Set with `partition`: the message's place in its partition, increasing with every message. */
  offset?: number;
}

/**
 * A handler owns the messages it is given and may change them (the processor normalizes
 * records in place): a broker hands a redelivery new copies. The in-process bus hands over
 * the publisher's own objects; of its topics only `logs.raw` has a handler that changes them,
 * and it is that topic's one group.
 */
export type BusHandler<T> = (messages: BusMessage<T>[]) => Promise<void>;

export interface SubscribeOptions {
  /**
   * `true` (default): a batch counts as done once its handler resolved. `false`: progress
   * is recorded only by `Subscription.commit()`, e.g. after the subscriber saved state
   * built from the messages; after a restart delivery resumes after the last commit.
   */
  autoCommit?: boolean;
  /**
   * Where a group seen for the first time starts: `earliest` (default) with every message the
   * broker still holds, `latest` with what is published from then on. Partitions the group
   * has no progress for later (added to the topic) start at the earliest either way.
   */
  start?: 'earliest' | 'latest';
  /**
   * Called by a partitioned broker each time the group (re)assigns partitions. Messages of
   * partitions no longer owned may still be in a handler then; their progress is not recorded.
   */
  onAssignment?: (assignment: Assignment) => void;
}

export interface Assignment {
  /** The partitions this member owns now. */
  partitions: number[];
  /**
   * Those it owned without interruption since the previous assignment. Another member may
   * have consumed the others in between: state built from them before is out of date.
   */
  held: number[];
}

export interface Subscription {
  /** Records every batch handled so far as done, for this group. */
  commit(): Promise<void>;
  /**
   * Leaves out of the next commits what was handled of the partition since the last one: the
   * subscriber learned that its state for the partition is another member's to keep.
   */
  forget(partition: number): void;
}

/**
 * The message bus port. `publish` resolves only once the messages are durable:
 * in distributed mode when the broker acknowledged them, in embedded mode when
 * every subscriber has finished with them (subscribers persist before returning).
 * A handler that throws makes the delivery fail; nothing is acknowledged then.
 * Delivery is at least once: a subscriber may see a message again after a crash.
 */
export interface Bus {
  publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void>;
  /** One handler per (topic, group); several groups each get every message. */
  subscribe<T>(
    topic: string,
    group: string,
    handler: BusHandler<T>,
    options?: SubscribeOptions,
  ): Subscription;
  isReady(): boolean;
}

export const BUS = Symbol('BUS');
