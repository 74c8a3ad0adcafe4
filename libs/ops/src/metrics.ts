import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus series Logwarden exports, on one registry per process. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly ingestEvents = new Counter({
    name: 'logwarden_ingest_events_total',
    help: 'Events received, by protocol and outcome (accepted or rejected).',
    labelNames: ['protocol', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ingestRejections = new Counter({
    name: 'logwarden_ingest_rejections_total',
    help: 'Events or requests refused, by protocol and reason.',
    labelNames: ['protocol', 'reason'] as const,
    registers: [this.registry],
  });

  readonly storeCommitSeconds = new Histogram({
    name: 'logwarden_store_batch_commit_seconds',
    help: 'Time to commit one batch of events to the store.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly storeCommitRows = new Histogram({
    name: 'logwarden_store_batch_events',
    help: 'Events per committed store batch.',
    buckets: [1, 10, 100, 1000, 5000, 10000, 20000],
    registers: [this.registry],
  });

  readonly storeDuplicates = new Counter({
    name: 'logwarden_store_duplicate_events_total',
    help: 'Events not stored again because their id was already stored (replays).',
    registers: [this.registry],
  });

  readonly storeRejected = new Counter({
    name: 'logwarden_store_rejected_events_total',
    help: 'Events the store refused for their content; they went to the dead-letter topic.',
    registers: [this.registry],
  });

  readonly pendingEvents = new Gauge({
    name: 'logwarden_ingest_pending_events',
    help: 'Events received but not yet durable.',
    registers: [this.registry],
  });

  readonly detectorEvents = new Counter({
    name: 'logwarden_detector_events_total',
    help: 'Events the detector evaluated against the enabled rules.',
    registers: [this.registry],
  });

  readonly detectorRedelivered = new Counter({
    name: 'logwarden_detector_redelivered_events_total',
    help: 'Events delivered again (a rebalance, a processor replay) that the detector had already counted.',
    registers: [this.registry],
  });

  readonly busDeadLetters = new Counter({
    name: 'logwarden_bus_dead_letters_total',
    help: 'Messages a consumer group could not read or handle, set aside on the dead-letter topic.',
    labelNames: ['topic', 'group'] as const,
    registers: [this.registry],
  });

  readonly detectorErrors = new Counter({
    name: 'logwarden_detector_errors_total',
    help: 'Events the detector failed to evaluate (logged); they were stored all the same.',
    registers: [this.registry],
  });

  readonly detections = new Counter({
    name: 'logwarden_detections_total',
    help: 'Rule detections, by rule.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly alertsOpened = new Counter({
    name: 'logwarden_alerts_opened_total',
    help: 'Alerts opened, by rule and severity.',
    labelNames: ['rule', 'severity'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'logwarden_notification_deliveries_total',
    help: 'Notification delivery attempts, by channel and outcome (sent, retry, failed).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'logwarden_' });
  }

  /** Adds a gauge whose value is read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
