import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { BUS, Bus, BusMessage, Subscription, Topics } from '@logwarden/bus';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Metrics } from '@logwarden/ops';
import { parseQuery } from '@logwarden/query';
import { Detection, EngineState, RuleEngine } from '@logwarden/rules';
import type { EcsEvent } from '@logwarden/schema';
import {
  AlertDetection,
  CHECKPOINT_STORE,
  CheckpointStore,
  EVENT_STORE,
  EventStore,
} from '@logwarden/store';
import { toAlertDetection } from './alert-detections';
import { newTermSeeds } from './new-term-seeds';
import { MAX_GROUPS_PER_RULE, RuleCatalog } from './rule-catalog';
import { RuleStats } from './rule-stats';

const CHECKPOINT = 'detector';
const ADVANCE_EVERY_MS = 1_000;
const CHECKPOINT_EVERY_MS = 10_000;
const REPLAY_BATCH = 5_000;
const DAY_MS = 86_400_000;

/**
 * Runs the enabled rules over every stored event (`logs.events`) and publishes what
 * they detect on `alerts`. Work is serialized: the engine state, the position of the
 * last evaluated event and the detections published always agree, so a checkpoint
 * plus a replay of the events after it loses and repeats nothing.
 */
@Injectable()
export class DetectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DetectorService.name);
  private readonly engine: RuleEngine;
  private position: number | null = null;
  private work: Promise<void> = Promise.resolve();
  private dirty = false;
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
    this.engine = new RuleEngine(catalog.enabled(), { maxGroupsPerRule: MAX_GROUPS_PER_RULE });
    stats.report(() => this.engine.stats().groups);
    metrics.gauge(
      'logwarden_detector_late_events',
      'Events too late for the windowed rules (beyond the allowed lateness).',
      () => this.engine.stats().late,
    );
    metrics.gauge(
      'logwarden_detector_groups',
      'Groups the detector keeps state for, all rules together.',
      () => Object.values(this.engine.stats().groups).reduce((sum, n) => sum + n, 0),
    );
  }

  /**
   * Restores the last checkpoint and evaluates what was stored after it. Runs once every
   * module has subscribed to the bus, before the HTTP server opens to shippers.
   */
  async onApplicationBootstrap(): Promise<void> {
    const restored = await this.restore();
    await this.seedNewTerms(restored);
    await this.catchUp();
    // Progress counts only once a checkpoint holds the state built from it: a restart
    // (on Kafka, from the committed offsets) replays what the saved state has not seen.
    this.subscription = this.bus.subscribe<EcsEvent>(
      Topics.events,
      'detector',
      (messages) => this.serialize(() => this.evaluate(messages)),
      { autoCommit: false },
    );
    this.timers = [
      setInterval(() => void this.serialize(() => this.advance(Date.now())), ADVANCE_EVERY_MS),
      setInterval(() => void this.serialize(() => this.checkpoint()), CHECKPOINT_EVERY_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.dirty = true;
    await this.serialize(() => this.checkpoint());
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
    for (const message of messages) {
      try {
        for (const detection of this.engine.evaluate(message.value)) detections.push(detection);
      } catch (error) {
        // One event that trips a rule must not stop ingest for everyone: count it and go on.
        this.metrics.detectorErrors.inc();
        this.logger.error(
          `event ${String(message.value.event?.id)} could not be evaluated: ${(error as Error).message}`,
        );
      }
      if (message.position !== undefined) this.position = message.position;
    }
    this.metrics.detectorEvents.inc(messages.length);
    this.dirty = true;
    await this.publish(detections);
  }

  private async advance(now: number): Promise<void> {
    await this.publish(this.engine.advance(now));
  }

  private async publish(detections: Detection[]): Promise<void> {
    if (detections.length === 0) return;
    const messages: BusMessage<AlertDetection>[] = [];
    for (const detection of detections) {
      const rule = this.catalog.get(detection.ruleId)!;
      this.metrics.detections.inc({ rule: rule.id });
      const value = toAlertDetection(rule, detection, this.config.alertResolveAfterMs);
      messages.push({ key: value.groupKey, value });
    }
    await this.bus.publish(Topics.alerts, messages);
  }

  private async checkpoint(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.checkpoints.save(CHECKPOINT, {
      position: this.position,
      state: this.engine.snapshot(),
      savedAt: Date.now(),
    });
    await this.subscription?.commit();
  }

  /** Answers the rules whose state was restored. */
  private async restore(): Promise<Set<string>> {
    const saved = await this.checkpoints.load(CHECKPOINT);
    if (!saved) {
      // A first start judges what arrives from now on, not the history already stored;
      // saved at once, so a crash before the first periodic checkpoint replays from here.
      this.position = (await this.events.lastPosition?.()) ?? null;
      this.dirty = true;
      await this.checkpoint();
      return new Set();
    }
    this.position = saved.position;
    try {
      const result = this.engine.restore(saved.state as EngineState);
      if (result.discarded.length > 0)
        this.logger.log(
          `rules changed since the last run start afresh: ${result.discarded.join(', ')}`,
        );
      return new Set(result.restored);
    } catch (error) {
      this.logger.warn(`detector state not restored, starting afresh: ${(error as Error).message}`);
      return new Set();
    }
  }

  /** new_term rules learn the values stored in their look-back period. */
  private async seedNewTerms(restored: Set<string>): Promise<void> {
    const now = Date.now();
    for (const rule of this.catalog.enabled()) {
      if (rule.type !== 'new_term' || restored.has(rule.id)) continue;
      const seeds = await this.events.distinctValues({
        query: parseQuery(rule.filter),
        range: { from: now - rule.newTerm.days * DAY_MS, to: now + DAY_MS },
        fields: [...rule.groupBy, rule.newTerm.field],
        limit: MAX_GROUPS_PER_RULE,
      });
      this.engine.seed(rule.id, newTermSeeds(rule, seeds));
      if (seeds.length > 0) this.logger.log(`rule ${rule.id} learned ${seeds.length} known values`);
    }
  }

  /** Evaluates events stored after the checkpoint but not evaluated before a crash. */
  private async catchUp(): Promise<void> {
    if (this.position === null || !this.events.readAfter) return;
    let replayed = 0;
    for (;;) {
      const batch = await this.events.readAfter(this.position, REPLAY_BATCH);
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
}
