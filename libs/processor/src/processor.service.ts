import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { BUS, Bus, BusMessage, Topics } from '@logwarden/bus';
import { Metrics } from '@logwarden/ops';
import { EcsEvent, RawBatch, getField, normalizeBatch } from '@logwarden/schema';
import { AppendResult, EVENT_STORE, EventStore } from '@logwarden/store';
import { EVENT_INTEREST, EventInterest } from './event-interest';

/** An event the store refused, as the dead-letter topic holds it. */
export interface DeadLetter {
  reason: string;
  event: EcsEvent;
}

/** Per-group detection state stays in one partition when events are keyed by their source. */
function eventKey(event: EcsEvent): string {
  const source =
    getField(event, 'container.id') ??
    getField(event, 'container.name') ??
    getField(event, 'host.name');
  return `${event.tenant}/${typeof source === 'string' ? source : ''}`;
}

/** Turns raw records into stored ECS events: `logs.raw` → normalize → store → `logs.events`. */
@Injectable()
export class ProcessorService implements OnModuleInit {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Optional() @Inject(EVENT_INTEREST) private readonly interest?: EventInterest,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe<RawBatch>(Topics.raw, 'processor', (messages) => this.process(messages));
  }

  async process(messages: BusMessage<RawBatch>[]): Promise<void> {
    const { appended, held } = this.append(messages);
    const result = await appended;
    if (result.duplicates > 0) this.metrics.storeDuplicates.inc(result.duplicates);
    if (result.failed && result.failed.length > 0) {
      // Refused for what it holds (the store's mapping), so a retry cannot help: set it aside with the reason.
      this.metrics.storeRejected.inc(result.failed.length);
      await this.bus.publish<DeadLetter>(
        Topics.deadLetter,
        result.failed.map(({ event, reason }) => ({ key: event.tenant, value: { reason, event } })),
      );
    }
    // A store that replays by position lets the detector catch up by itself. Otherwise an event
    // stored before a crash cut the last attempt short may never have been published: duplicates
    // go out again, and the detector tells them from what it already counted by their ids.
    const republish = this.store.readAfter === undefined;
    const refused = new Set(result.failed?.map(({ index }) => index));
    const publish: BusMessage<EcsEvent>[] = [];
    let passedOver = 0;
    let lastPassedOver: number | undefined;
    held.forEach((event, i) => {
      const position = result.positions?.[i];
      if (event === undefined) {
        if (!result.fresh[i]) return;
        passedOver++;
        if (position !== undefined) lastPassedOver = Math.max(lastPassedOver ?? position, position);
      } else if (result.fresh[i]) publish.push({ key: eventKey(event), value: event, position });
      else if (republish && !refused.has(i)) publish.push({ key: eventKey(event), value: event });
    });
    await this.bus.publish<EcsEvent>(Topics.events, publish);
    if (passedOver > 0) await this.interest?.passedOver(passedOver, lastPassedOver);
  }

  /**
   * Normalizes the batches and starts storing their events. Answers, per event, what must
   * outlive the commit: the event when published after it, else undefined. Apart from
   * `process` so that nothing else of the batch is held while the store works.
   */
  private append(messages: BusMessage<RawBatch>[]): {
    appended: Promise<AppendResult>;
    held: (EcsEvent | undefined)[];
  } {
    const events: EcsEvent[] = [];
    for (const message of messages) {
      for (const event of normalizeBatch(message.value)) events.push(event);
    }
    const interest = this.interest;
    const held = interest
      ? events.map((event) => (interest.wants(event) ? event : undefined))
      : events;
    return { appended: this.store.append(events), held };
  }
}
