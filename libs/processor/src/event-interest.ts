import type { EcsEvent } from '@logwarden/schema';

/**
 * What the consumers of `logs.events` in this process read, when they can say so before the
 * events are stored (the embedded detector: its rules' filters). The processor then holds only
 * those events through the commit and lets the others go at once: held, every event of a busy
 * server lived long enough to be promoted, and the collector's copying of them took about a
 * fifth of its CPU time. Without one, every stored event is published.
 */
export interface EventInterest {
  /** Whether a consumer reads the event. Asked once, before it is stored. */
  wants(event: EcsEvent): boolean;
  /**
   * `count` stored events were not published because none wanted them; `position`, when the
   * store keeps positions, is the highest of theirs. Resolves once the consumers took note.
   */
  passedOver(count: number, position: number | undefined): Promise<void>;
}

export const EVENT_INTEREST = Symbol('EVENT_INTEREST');
