import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Assignment, BUS, Bus, BusMessage, Subscription, Topics } from '@logwarden/bus';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import type { EventInterest } from '@logwarden/processor';
import { parseQuery } from '@logwarden/query';
import { Detection, EngineState, EngineStats, RuleEngine } from '@logwarden/rules';
import type { EcsEvent } from '@logwarden/schema';
import {
  AlertDetection,
  CHECKPOINT_STORE,
  CheckpointConflictError,
  CheckpointStore,
  EVENT_STORE,
  EventStore,
} from '@logwarden/store';
import { toAlertDetection } from './alert-detections';
import { newTermSeeds } from './new-term-seeds';
import { RecentEventIds } from './recent-event-ids';
import { MAX_GROUPS_PER_RULE, RuleCatalog } from './rule-catalog';
import { RuleStats } from './rule-stats';

/** The checkpoint of the one lane of an unpartitioned bus; a partition's lane adds `/<n>`. */
const CHECKPOINT = 'detector';
const ADVANCE_EVERY_MS = 1_000;
const CHECKPOINT_EVERY_MS = 10_000;
const REPLAY_BATCH = 5_000;
const DAY_MS = 86_400_000;
/**
 * Events a processor publishes again after a crash (its uncommitted tail, about a second of
 * traffic) or a rebalance are recognised among this many ids last seen, about 20 MB.
 */
const RECENT_EVENT_IDS = 200_000;

/**
 * The detection state of one stream of events: the whole stream on the embedded bus, one
 * partition on Kafka, where events are keyed by source so a group's events share a partition.
 */
interface Lane {
  partition: number | undefined;
  checkpoint: string;
  /**
   * A partition's checkpoint as this lane last read or wrote it (null: none yet). Saves expect
   * it, so an instance that lost the partition unawares cannot overwrite its new owner's.
   */
  version: string | null;
  engine: RuleEngine;
  /**
   * Where the engine's input stops: the store position of the last evaluated event (embedded),
   * or the offset of the last evaluated message of the partition.
   */
  position: number | null;
  dirty: boolean;
}

/**
 * Runs the enabled rules over every stored event (`logs.events`) and publishes what
 * they detect on `alerts`. Work is serialized: a lane's engine state, the position of
 * its last evaluated event and the detections published always agree, so a checkpoint
 * plus a replay of the events after it loses and repeats nothing.
 *
 * On Kafka each partition has its own lane and checkpoint, loaded when the partition's
 * first message arrives and dropped when the group gives the partition to another
 * instance, which resumes from the last checkpoint and skips the offsets it holds.
 *
 * Detections are published before the state that produced them is saved: one the bus did
 * not take is kept and tried again, and no checkpoint is saved while any waits, so a crash
 * replays the events behind it instead of losing it.
 */
@Injectable()
export class DetectorService
  implements EventInterest, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(DetectorService.name);
  /** The enabled rules, asked only which events they read: its state stays empty. */
  private readonly filters: RuleEngine;
  private readonly lanes = new Map<number | undefined, Lane>();
  private readonly recent = new RecentEventIds(RECENT_EVENT_IDS);
  /** The partitions this instance owns, once the group said. */
  private owned?: Set<number>;
  /** Detections not yet on the bus, oldest first. */
  private unpublished: BusMessage<AlertDetection>[] = [];
  private work: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private subscription?: Subscription;

  constructor(
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    @Inject(RuleCatalog) private readonly catalog: RuleCatalog,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(RuleStats) stats: RuleStats,
  ) {
    this.filters = new RuleEngine(catalog.enabled(), { maxGroupsPerRule: MAX_GROUPS_PER_RULE });
    stats.report(() => this.groupsByRule());
    metrics.gauge(
      'logwarden_detector_late_events',
      'Events too late for the windowed rules (beyond the allowed lateness).',
      () => this.engineStats().reduce((sum, { late }) => sum + late, 0),
    );
    metrics.gauge(
      'logwarden_detector_groups',
      'Groups the detector keeps state for, all rules together.',
      () => Object.values(this.groupsByRule()).reduce((sum, n) => sum + n, 0),
    );
  }

  /**
   * With a store that replays by position (embedded), restores the last checkpoint and
   * evaluates what was stored after it. Runs once every module has subscribed to the bus,
   * before the HTTP server opens to shippers.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.events.readAfter) {
      const lane = await this.openLane(undefined);
      await this.catchUp(lane);
    }
    // Progress counts only once a checkpoint holds the state built from it: a restart
    // (on Kafka, from the committed offsets) replays what the saved state has not seen.
    this.subscription = this.bus.subscribe<EcsEvent>(
      Topics.events,
      'detector',
      (messages) => this.serialize(() => this.evaluate(messages)),
      {
        autoCommit: false,
        // Like the embedded first start: judge what arrives from now on, not the history.
        start: 'latest',
        onAssignment: (assignment) => void this.serialize(async () => this.assigned(assignment)),
      },
    );
    this.timers = [
      setInterval(() => void this.serialize(() => this.advance(Date.now())), ADVANCE_EVERY_MS),
      setInterval(() => void this.serialize(() => this.checkpoint()), CHECKPOINT_EVERY_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.serialize(() => this.checkpoint());
  }

  /** Whether an enabled rule reads the event: in one process, the processor publishes only those. */
  wants(event: EcsEvent): boolean {
    try {
      return this.filters.wants(event);
    } catch {
      // Evaluated then, where what trips a rule is counted and logged without failing ingest.
      return true;
    }
  }

  /**
   * Stored events no rule reads: they count as evaluated, for they would have changed nothing,
   * and the embedded lane's position moves past them so that a restart does not replay them.
   */
  passedOver(count: number, position: number | undefined): Promise<void> {
    return this.serialize(async () => {
      this.metrics.detectorEvents.inc(count);
      const lane = this.lanes.get(undefined);
      if (lane === undefined || position === undefined) return;
      lane.position = Math.max(lane.position ?? position, position);
      lane.dirty = true;
    });
  }

  private serialize(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch((error: Error) =>
      this.logger.error(`detection failed: ${error.message}`),
    );
    return run;
  }

  private async evaluate(messages: BusMessage<EcsEvent>[]): Promise<void> {
    const detections: Detection[] = [];
    let evaluated = 0;
    for (const message of messages) {
      // A batch fetched before a rebalance: the partition's new owner evaluates it.
      if (message.partition !== undefined && this.owned && !this.owned.has(message.partition))
        continue;
      const lane = this.lanes.get(message.partition) ?? (await this.openLane(message.partition));
      if (!this.isNew(lane, message)) {
        this.metrics.detectorRedelivered.inc();
        continue;
      }
      try {
        for (const detection of lane.engine.evaluate(message.value)) detections.push(detection);
      } catch (error) {
        // One event that trips a rule must not stop ingest for everyone: count it and go on.
        this.metrics.detectorErrors.inc();
        this.logger.error(
          `event ${String(message.value.event?.id)} could not be evaluated: ${(error as Error).message}`,
        );
      }
      evaluated++;
      lane.dirty = true;
    }
    this.metrics.detectorEvents.inc(evaluated);
    await this.publish(detections);
  }

  /**
   * Moves the lane's position past the message, answering false for what its state already
   * holds: a partition's offsets redelivered after a rebalance or a failed chunk, and events a
   * processor published again after a crash.
   */
  private isNew(lane: Lane, message: BusMessage<EcsEvent>): boolean {
    if (message.partition !== undefined && message.offset !== undefined) {
      if (lane.position !== null && message.offset <= lane.position) return false;
      lane.position = message.offset;
      const id = message.value.event?.id;
      return typeof id !== 'string' || !this.recent.seen(id);
    }
    // Concurrent requests may store and publish out of order; a restart replays after the highest.
    if (message.position !== undefined)
      lane.position = Math.max(lane.position ?? message.position, message.position);
    return true;
  }

  /**
   * A lane stays only while its partition was held throughout: another member may have
   * evaluated and checkpointed the others meanwhile, so they start again from the checkpoint.
   */
  private assigned({ partitions, held }: Assignment): void {
    this.owned = new Set(partitions);
    const kept = new Set(held);
    for (const partition of this.lanes.keys()) {
      if (partition !== undefined && !kept.has(partition)) this.lanes.delete(partition);
    }
  }

  private async advance(now: number): Promise<void> {
    const detections: Detection[] = [];
    for (const lane of this.lanes.values()) {
      const fired = lane.engine.advance(now);
      // What fired on a quiet clock (a flatline) must not fire again after a restart.
      if (fired.length > 0) lane.dirty = true;
      detections.push(...fired);
    }
    await this.publish(detections);
  }

  /** Queues the detections and sends what waits; what the bus does not take waits for the next try. */
  private async publish(detections: Detection[]): Promise<void> {
    for (const detection of detections) {
      const rule = this.catalog.get(detection.ruleId)!;
      this.metrics.detections.inc({ rule: rule.id });
      const value = toAlertDetection(rule, detection, this.config.alertResolveAfterMs);
      this.unpublished.push({ key: value.groupKey, value });
    }
    try {
      await this.flush();
    } catch (error) {
      this.logger.warn(
        `${this.unpublished.length} detections wait for the bus: ${(error as Error).message}`,
      );
    }
  }

  private async flush(): Promise<void> {
    if (this.unpublished.length === 0) return;
    await this.bus.publish(Topics.alerts, this.unpublished);
    this.unpublished = [];
  }

  private async checkpoint(): Promise<void> {
    const dirty = [...this.lanes.values()].filter((lane) => lane.dirty);
    if (dirty.length === 0) return;
    // State saved past a detection the bus never took would lose it for good.
    await this.flush();
    // A lane left dirty by a failed save keeps the commit from passing it.
    for (const lane of dirty) await this.save(lane);
    await this.subscription?.commit();
  }

  private async save(lane: Lane): Promise<void> {
    if (await this.write(lane)) {
      lane.dirty = false;
      return;
    }
    // Another instance opened the partition since: the group gave it away before this one
    // heard. Its state is the new owner's, who evaluates again what this lane did since.
    this.subscription?.forget(lane.partition!);
    this.logger.warn(`${lane.checkpoint} was saved by another instance: its state here is dropped`);
  }

  /**
   * Writes the lane's state as its checkpoint; a partition's only over the version the lane
   * last read or wrote. Answers false, and drops the lane, when another instance wrote since.
   */
  private async write(lane: Lane): Promise<boolean> {
    const checkpoint = {
      position: lane.position,
      state: lane.engine.snapshot(),
      savedAt: Date.now(),
    };
    try {
      lane.version =
        lane.partition === undefined
          ? await this.checkpoints.save(lane.checkpoint, checkpoint)
          : await this.checkpoints.save(lane.checkpoint, checkpoint, lane.version);
      return true;
    } catch (error) {
      if (!(error instanceof CheckpointConflictError) || lane.partition === undefined) throw error;
      this.lanes.delete(lane.partition);
      return false;
    }
  }

  /** Restores the lane's last checkpoint, or starts it afresh with what new_term rules learn. */
  private async openLane(partition: number | undefined): Promise<Lane> {
    const lane: Lane = {
      partition,
      checkpoint: partition === undefined ? CHECKPOINT : `${CHECKPOINT}/${partition}`,
      version: null,
      engine: new RuleEngine(this.catalog.enabled(), { maxGroupsPerRule: MAX_GROUPS_PER_RULE }),
      position: null,
      dirty: false,
    };
    this.lanes.set(partition, lane);
    const restored = await this.restore(lane);
    await this.seedNewTerms(lane, restored);
    // Writing the partition's checkpoint back as read moves its version on: an instance still
    // holding the partition from before can no longer save over it, the newest opener being
    // the one the group gave it to. If another wrote between the read and the write, reread.
    if (partition !== undefined && !(await this.write(lane))) return this.openLane(partition);
    return lane;
  }

  /** Answers the rules whose state was restored. */
  private async restore(lane: Lane): Promise<Set<string>> {
    const saved = await this.checkpoints.load(lane.checkpoint);
    if (!saved) {
      // A partition replays from its group's commit, which no checkpoint has passed yet.
      if (lane.partition !== undefined) return new Set();
      // A first start judges what arrives from now on, not the history already stored;
      // saved at once, so a crash before the first periodic checkpoint replays from here.
      lane.position = (await this.events.lastPosition?.()) ?? null;
      lane.dirty = true;
      await this.checkpoint();
      return new Set();
    }
    lane.position = saved.position;
    lane.version = saved.version ?? null;
    try {
      const result = lane.engine.restore(saved.state as EngineState);
      if (result.discarded.length > 0)
        this.logger.log(
          `${lane.checkpoint}: rules changed since the last run start afresh: ${result.discarded.join(', ')}`,
        );
      return new Set(result.restored);
    } catch (error) {
      this.logger.warn(
        `${lane.checkpoint}: state not restored, starting afresh: ${(error as Error).message}`,
      );
      return new Set();
    }
  }

  /** new_term rules learn the values stored in their look-back period. */
  private async seedNewTerms(lane: Lane, restored: Set<string>): Promise<void> {
    const now = Date.now();
    for (const rule of this.catalog.enabled()) {
      if (rule.type !== 'new_term' || restored.has(rule.id)) continue;
      const seeds = await this.events.distinctValues({
        query: parseQuery(rule.filter),
        range: { from: now - rule.newTerm.days * DAY_MS, to: now + DAY_MS },
        fields: [...rule.groupBy, rule.newTerm.field],
        limit: MAX_GROUPS_PER_RULE,
      });
      lane.engine.seed(rule.id, newTermSeeds(rule, seeds));
      if (seeds.length > 0)
        this.logger.log(`${lane.checkpoint}: rule ${rule.id} learned ${seeds.length} known values`);
    }
  }

  /** Evaluates events stored after the checkpoint but not evaluated before a crash. */
  private async catchUp(lane: Lane): Promise<void> {
    if (lane.position === null || !this.events.readAfter) return;
    let replayed = 0;
    for (;;) {
      const batch = await this.events.readAfter(lane.position, REPLAY_BATCH);
      if (batch.length === 0) break;
      await this.evaluate(
        batch.map(({ position, event }) => ({ key: '', value: event, position })),
      );
      replayed += batch.length;
    }
    if (replayed > 0) {
      this.logger.log(`evaluated ${replayed} events stored after the last checkpoint`);
      await this.checkpoint();
    }
  }

  private engineStats(): EngineStats[] {
    return [...this.lanes.values()].map((lane) => lane.engine.stats());
  }

  private groupsByRule(): Record<string, number> {
    const groups: Record<string, number> = {};
    for (const stats of this.engineStats()) {
      for (const [rule, count] of Object.entries(stats.groups))
        groups[rule] = (groups[rule] ?? 0) + count;
    }
    return groups;
  }
}
