/** Messages between the event store and its writer thread. */

/**
 * One event's columns. An array per event rather than one flat array per append: V8 clones
 * a large array into the writer's old generation, where storing each value costs a write
 * barrier, and deserializing small ones took half the time.
 */
export type WriterRow = [
  id: string,
  tenant: string,
  ts: number,
  containerName: string | null,
  hostName: string | null,
  serviceName: string | null,
  logLevel: string | null,
  dataset: string | null,
  doc: string,
  message: string | null,
];

export type WriterRequest =
  | { kind: 'append'; id: number; rows: WriterRow[] }
  | { kind: 'delete'; id: number; cutoff: number; limit: number }
  | { kind: 'close'; id: number };

export type WriterReply =
  | { kind: 'appended'; id: number; positions: Float64Array }
  | { kind: 'deleted'; id: number; deleted: number }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'committed'; seconds: number; rows: number }
  | { kind: 'closed'; id: number };

export interface WriterOptions {
  path: string;
  synchronous: 'full' | 'normal';
}
