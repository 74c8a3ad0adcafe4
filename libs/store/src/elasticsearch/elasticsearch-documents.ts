import { createHash } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import type {
  BulkResponseItem,
  QueryDslQueryContainer,
  SearchHit,
  SearchSourceConfig,
  Sort,
  SortResults,
} from '@elastic/elasticsearch/lib/api/types';

/**
 * A document id for a tuple of strings: fixed length however long the strings are, and
 * JSON keeps `('a|b', 'c')` apart from `('a', 'b|c')`. Ids of stored documents depend on
 * it, so it must never change.
 */
export function tupleId(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof errors.ResponseError && error.statusCode === status;
}

/** A document with the sequence number and primary term that optimistic concurrency needs. */
export interface Versioned<T> {
  doc: T;
  seqNo: number;
  primaryTerm: number;
}

/** Reads by id are real-time: they see writes not yet refreshed into search. */
export async function getVersioned<T>(
  client: Client,
  index: string,
  id: string,
): Promise<Versioned<T> | undefined> {
  const response = await client.get<T>({ index, id }, { ignore: [404] });
  if (!response.found || response._source === undefined) return undefined;
  return { doc: response._source, seqNo: response._seq_no!, primaryTerm: response._primary_term! };
}

export function fromHit<T>(hit: SearchHit<T>): Versioned<T> {
  return { doc: hit._source!, seqNo: hit._seq_no!, primaryTerm: hit._primary_term! };
}

/** Makes a write fail with 409 when the document changed since it was read. */
export function ifUnchanged(read: Versioned<unknown>): {
  if_seq_no: number;
  if_primary_term: number;
} {
  return { if_seq_no: read.seqNo, if_primary_term: read.primaryTerm };
}

/** Bounds the retries of a read-modify-write that keeps losing races, so a bug cannot spin forever. */
const CONFLICT_ATTEMPTS = 20;

/** Runs `attempt` (reads, then conditional writes) again from its reads whenever a write meets a 409. */
export async function retryOnConflict<R>(attempt: () => Promise<R>): Promise<R> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isStatus(error, 409) || tries >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

/** Documents found by id, real-time; a per-document failure throws rather than reading as absent. */
export async function getMany<T>(
  client: Client,
  index: string,
  ids: string[],
): Promise<{ id: string; doc: T }[]> {
  if (ids.length === 0) return [];
  const { docs } = await client.mget<T>({ index, ids });
  const found: { id: string; doc: T }[] = [];
  for (const item of docs) {
    if ('error' in item) throw new Error(`reading ${index}/${item._id}: ${item.error.reason}`);
    if (item.found && item._source !== undefined) found.push({ id: item._id, doc: item._source });
  }
  return found;
}

const PAGE = 1_000;

/**
 * Every hit of a query, a page at a time. `sort` must end on a unique field: pages follow
 * on from the last hit's sort values, so ties would be skipped.
 */
export async function searchAll<T>(
  client: Client,
  request: {
    index: string;
    query: QueryDslQueryContainer;
    sort: Sort;
    _source?: SearchSourceConfig;
    seq_no_primary_term?: boolean;
  },
): Promise<SearchHit<T>[]> {
  const hits: SearchHit<T>[] = [];
  let after: SortResults | undefined;
  for (;;) {
    const response = await client.search<T>({
      ...request,
      size: PAGE,
      track_total_hits: false,
      ...(after && { search_after: after }),
    });
    const page = response.hits.hits;
    hits.push(...page);
    if (page.length < PAGE) return hits;
    after = page[page.length - 1].sort;
  }
}

/**
 * A bulk request that throws on the first failed item, except for statuses the caller
 * expects (a `create` meeting an existing document, say). Answers the result of each
 * action, in order, so a caller can tell which tolerated failures happened.
 */
export async function bulk(
  client: Client,
  operations: object[],
  options: { refresh?: 'wait_for'; tolerate?: number[] } = {},
): Promise<BulkResponseItem[]> {
  if (operations.length === 0) return [];
  const response = await client.bulk({
    operations,
    ...(options.refresh && { refresh: options.refresh }),
  });
  const results = response.items.map((item) => Object.values(item)[0]);
  if (!response.errors) return results;
  for (const result of results) {
    if (result.error && !options.tolerate?.includes(result.status))
      throw new Error(
        `bulk write to ${result._index}/${result._id} failed: ${result.error.type}: ${result.error.reason}`,
      );
  }
  return results;
}

/** Ids per terms query or multi-get, well inside Elasticsearch's limits on both. */
export const ID_CHUNK = 1_000;

/** Splits ids for queries and requests that should stay small. */
export function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    result.push(items.slice(start, start + size));
  return result;
}
