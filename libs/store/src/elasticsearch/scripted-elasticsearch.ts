import { Client, errors } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';

/** A request as Elasticsearch received it: bulk bodies are the list of their lines. */
export interface RecordedRequest {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

/**
 * A client on @elastic/elasticsearch-mock that records every request and answers each
 * with the next scripted reply, so a test states the exact conversation it expects.
 */
export class ScriptedElasticsearch {
  readonly requests: RecordedRequest[] = [];
  readonly client: Client;
  private readonly replies: object[] = [];

  constructor() {
    const mock = new Mock();
    mock.add({ method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], path: '/*' }, (request) => {
      this.requests.push({
        method: request.method as string,
        path: request.path as string,
        querystring: request.querystring ?? {},
        body: request.body ?? undefined,
      });
      return this.replies.shift() ?? failure(418, 'unscripted_request');
    });
    this.client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
  }

  /** Queues replies, a body or a `failure`, answered in order. */
  reply(...replies: object[]): this {
    this.replies.push(...replies);
    return this;
  }

  /** Replies queued and never asked for: a test that expects fewer requests than it scripted. */
  get unanswered(): number {
    return this.replies.length;
  }
}

/** An error reply, as Elasticsearch sends it. */
export function failure(status: number, type: string, extra: object = {}): object {
  return new errors.ResponseError({
    body: { error: { type, reason: `${type} (scripted)` }, status, ...extra },
    statusCode: status,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

/** A GET by id that finds nothing: the body Elasticsearch sends with its 404. */
export function missing(index: string, id: string): object {
  return new errors.ResponseError({
    body: { _index: index, _id: id, found: false },
    statusCode: 404,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

export function found(
  index: string,
  id: string,
  source: object,
  version: { seqNo: number; primaryTerm: number } = { seqNo: 1, primaryTerm: 1 },
): object {
  return {
    _index: index,
    _id: id,
    _version: version.seqNo + 1,
    _seq_no: version.seqNo,
    _primary_term: version.primaryTerm,
    found: true,
    _source: source,
  };
}

export function hits(...documents: object[]): object {
  return { took: 1, timed_out: false, hits: { hits: documents } };
}

export function written(index: string, id: string, result = 'created'): object {
  return { _index: index, _id: id, _version: 1, result, _seq_no: 0, _primary_term: 1 };
}

export function bulkDone(...items: object[]): object {
  return {
    took: 1,
    errors: items.some((item) => Object.values(item).some((result) => 'error' in result)),
    items,
  };
}
