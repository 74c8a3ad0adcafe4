import type { BusMessage } from '../bus.port';

/** Header values as Kafka clients hand them over: bytes, text, or several of either. */
export type RecordHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A record as the adapter hands it to the producer. */
export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
}

/** A fetched record: the fields of a kafkajs message the adapter reads. */
export interface IncomingRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders;
}

/** Where a poison record came from, for whoever inspects or replays the dead-letter topic. */
export interface DeadLetterSource {
  topic: string;
  partition: number;
  group: string;
  error: string;
}

/**
 * `BusMessage.position` belongs to the producer's store (the processor passes it on to the
 * detector), so it travels beside the value rather than inside it.
 */
export const POSITION_HEADER = 'logwarden-position';

export const DEAD_LETTER_HEADERS = {
  topic: 'logwarden-source-topic',
  partition: 'logwarden-source-partition',
  offset: 'logwarden-source-offset',
  group: 'logwarden-group',
  error: 'logwarden-error',
} as const;

/** Kafka headers are meant to be small; a stack-sized message would bloat every dead letter. */
const MAX_ERROR_LENGTH = 1_000;

/**
 * Values are JSON: every bus payload is already a JSON document (raw batches, ECS events,
 * detections), it needs no schema registry, and an operator can read any topic with stock tools.
 */
export function encodeRecord<T>(message: BusMessage<T>): OutgoingRecord {
  const value = JSON.stringify(message.value) as string | undefined;
  if (value === undefined) {
    throw new TypeError(`the message keyed "${message.key}" has no JSON value`);
  }
  if (message.position === undefined) return { key: message.key, value };
  return { key: message.key, value, headers: { [POSITION_HEADER]: String(message.position) } };
}

/** The message a record carries, or why it cannot be read (a poison record, never retried). */
export function decodeRecord<T>(record: IncomingRecord, partition: number): BusMessage<T> | Error {
  if (record.value === null) return new Error('the record has no value');
  let value: T;
  try {
    value = JSON.parse(record.value.toString('utf8')) as T;
  } catch (error) {
    return new Error(`the value is not JSON: ${(error as Error).message}`);
  }
  const message: BusMessage<T> = {
    key: record.key?.toString('utf8') ?? '',
    value,
    partition,
    offset: Number(record.offset),
  };
  const position = headerText(record.headers?.[POSITION_HEADER]);
  if (position !== undefined) {
    const parsed = Number(position);
    if (!Number.isSafeInteger(parsed))
      return new Error(`the position header "${position}" is not an integer`);
    message.position = parsed;
  }
  return message;
}

/** The record as it was fetched, plus headers naming its origin and the failure. */
export function deadLetterRecord(record: IncomingRecord, source: DeadLetterSource): OutgoingRecord {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.topic]: source.topic,
      [DEAD_LETTER_HEADERS.partition]: String(source.partition),
      [DEAD_LETTER_HEADERS.offset]: record.offset,
      [DEAD_LETTER_HEADERS.group]: source.group,
      [DEAD_LETTER_HEADERS.error]: source.error.slice(0, MAX_ERROR_LENGTH),
    },
  };
}

function headerText(value: RecordHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
