import type {
  BulkAction,
  BulkDocument,
  BulkItemFailure,
  BulkItemOutcome,
} from './elasticsearch-bulk-types';

const ITEM_OPENING: Record<BulkAction, string> = {
  index: '{"index":{"_index":',
  create: '{"create":{"_index":',
  update: '{"update":{"_index":',
  delete: '{"delete":{"_index":',
};

const SUCCESS_TAIL = (result: string, status: number): string =>
  `,"_version":1,"result":"${result}","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":${status}}}`;
const CREATED = SUCCESS_TAIL('created', 201);
const UPDATED = SUCCESS_TAIL('updated', 200);

/**
 * The `_bulk` response body, as compact JSON in Elasticsearch's key order:
 * shippers do not all parse it. Fluent Bit falls back to finding the exact
 * substring `"errors":false,"items":[` in large responses and Vector looks for
 * `"errors":true`, so the text is built by hand rather than by
 * `JSON.stringify` of an object whose layout nobody guarantees.
 *
 * @param items one outcome per request action, in request order.
 */
export function buildBulkResponse(items: readonly BulkItemOutcome[], tookMs: number): string {
  const response = new BulkResponseWriter();
  response.add(items);
  return response.finish(tookMs).toString('utf8');
}

/**
 * Builds the body of {@link buildBulkResponse} from the outcomes of one page
 * of actions at a time. The answer grows with the request's item count, about
 * 190 bytes per item, so each page's part is kept as bytes outside the JS heap.
 */
export class BulkResponseWriter {
  private readonly parts: Buffer[] = [];
  private errors = false;

  /** Appends the outcomes of the next actions, in request order. */
  add(items: readonly BulkItemOutcome[]): void {
    if (items.length === 0) return;
    let body = '';
    // Batches nearly always target one index; escape its name once.
    let lastIndex: string | undefined;
    let lastIndexJson = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.index !== lastIndex) {
        lastIndex = item.index;
        lastIndexJson = JSON.stringify(item.index);
      }
      if (i > 0 || this.parts.length > 0) body += ',';
      body += ITEM_OPENING[item.action] + lastIndexJson;
      if (item.error === undefined) {
        body += `,"_id":${JSON.stringify(item.id)}${item.action === 'update' ? UPDATED : CREATED}`;
        continue;
      }
      this.errors = true;
      if (item.id !== undefined) body += `,"_id":${JSON.stringify(item.id)}`;
      body += `,"status":${item.status},"error":{"type":${JSON.stringify(item.error.type)},"reason":${JSON.stringify(item.error.reason)}}}}`;
    }
    this.parts.push(Buffer.from(body, 'utf8'));
  }

  finish(tookMs: number): Buffer {
    const took = Math.max(0, Math.round(tookMs)) || 0;
    return Buffer.concat([
      Buffer.from(`{"took":${took},"errors":${this.errors},"items":[`),
      ...this.parts,
      ITEMS_END,
    ]);
  }
}

const ITEMS_END = Buffer.from(']}');

/**
 * The item for a document Logwarden could not take right now. 429 with this
 * type is what Filebeat, Logstash, Vector (with `request_retry_partial`) and
 * the official clients' bulk helpers retry, so the event is re-sent, not lost.
 */
export function backpressureFailure(document: BulkDocument, reason: string): BulkItemFailure {
  return {
    action: document.action,
    index: document.index,
    id: document.id,
    status: 429,
    error: { type: 'es_rejected_execution_exception', reason },
  };
}
