/** Messages between the event store and its writer thread. */

/** Values per event in an append's flat `rows` array, in this order. */
export const ROW_WIDTH = 10;
// id, tenant, ts, container_name, host_name, service_name, log_level, dataset, doc, message

export type WriterRequest =
  | { kind: 'append'; id: number; rows: unknown[] }
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
