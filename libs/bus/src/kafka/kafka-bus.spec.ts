import type { KafkaSettings } from '@logwarden/config';
import { describeBusConformance } from '../testing/bus-conformance';
import { KafkaBus } from './kafka-bus';

const brokers = process.env.KAFKA_BROKERS?.trim();

/** One set of topics per run, so what earlier runs left behind stays out of the way. */
const prefix = `logwarden-conformance-${Date.now().toString(36)}-`;

const settings = (): KafkaSettings => ({
  brokers: (brokers ?? '').split(','),
  clientId: 'logwarden-conformance',
  topics: {
    raw: `${prefix}logs.raw`,
    events: `${prefix}logs.events`,
    alerts: `${prefix}alerts`,
    deadLetter: `${prefix}logs.dead-letter`,
  },
  // More than one, so per-key order is tested across partitions.
  partitions: 3,
  replicationFactor: 1,
});

(brokers ? describe : describe.skip)(
  brokers
    ? `Kafka bus on ${brokers}`
    : 'Kafka bus — skipped: set KAFKA_BROKERS=host:port to run the conformance suite against a broker',
  () => {
    describeBusConformance(
      'Kafka bus',
      async () => {
        const bus = new KafkaBus(settings(), {
          // Short waits keep the redelivery test quick; the retries still outnumber its failures.
          delivery: { retries: 3, backoffMs: 50, maxBackoffMs: 500 },
        });
        return { bus, start: () => bus.start(), close: () => bus.stop() };
      },
      { failedHandlerRejectsPublish: false, timeoutMs: 30_000 },
    );
  },
);
