import type { RawRecord } from '@logwarden/schema';

export type BulkAction = 'index' | 'create' | 'update' | 'delete';

/** The actions that carry a document and can succeed in Logwarden. */
export type DocumentAction = Exclude<BulkAction, 'delete'>;

/** Elasticsearch's per-item `error`: `type` is an Elasticsearch exception name. */
export interface BulkItemError {
  type: string;
  reason: string;
}

/** A bulk action that carried a usable document. */
export interface BulkDocument {
  action: DocumentAction;
  /** `_index` of the action, else the URL index, else `logs`. */
  index: string;
  /** The action's `_id`, if it had one. */
  id: string | undefined;
  /** `data` is the document, `raw` its source line as received. */
  record: RawRecord;
  error?: never;
}

/** A bulk item that failed: refused by the parser, or later by the controller (back-pressure). */
export interface BulkItemFailure {
  action: BulkAction;
  index: string;
  /** The action's `_id`; the response item has no `_id` when absent. */
  id?: string;
  /** The item's HTTP status: 400 for what the client sent, 429 to have it retried. */
  status: number;
  error: BulkItemError;
  record?: never;
}

/** One parsed action, in request order. */
export type BulkRequestItem = BulkDocument | BulkItemFailure;

export interface BulkParseResult {
  /** One entry per action line, in request order, as the response must list them. */
  items: BulkRequestItem[];
  /** The documents of `items`, in the same order, ready to be handed to the pipeline. */
  records: RawRecord[];
}

/** One page of `bulkPages`. */
export interface BulkPage extends BulkParseResult {
  /** Whether another page follows: false for the body's last. */
  more: boolean;
}

/** A stored document: the response reports 201 `created` (200 `updated` for `update`). */
export interface BulkItemSuccess {
  action: DocumentAction;
  index: string;
  /** The id the store keeps the event under: the client's `_id`, else the one derived from `raw`. */
  id: string;
  error?: never;
}

export type BulkItemOutcome = BulkItemSuccess | BulkItemFailure;
