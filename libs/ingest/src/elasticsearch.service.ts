import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import {
  BulkItemOutcome,
  BulkRequestItem,
  BulkResponseWriter,
  ProtocolError,
  backpressureFailure,
  bulkPages,
  decodeBody,
  jsonWeight,
} from '@logwarden/protocols';
import { BatchEventIds } from '@logwarden/schema';
import { IngestService } from './ingest.service';
import { RepeatedLines } from './repeated-lines';

/** Settings a shipper installs at start (templates, ILM policies, pipelines). */
export type ResourceKind = 'index_template' | 'template' | 'ilm_policy' | 'ingest_pipeline';

/**
 * The Elasticsearch side of ingest: bulk and single documents, and the
 * settings that shippers install before sending. Logwarden keeps its own
 * schema, so installed settings are remembered only to answer as Elasticsearch
 * would (404 before the PUT, the document after it).
 */
@Injectable()
export class ElasticsearchService {
  private readonly resources = new Map<string, unknown>();

  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
  ) {}

  /**
   * A `_bulk` request, stored page by page. Should the store fail on a page,
   * its documents and those of later pages are answered 429, which shippers
   * retry, while the pages already stored stay answered as created; if
   * nothing could be stored the whole request fails with 503, as before.
   */
  async bulk(
    tenant: string,
    body: Buffer,
    encoding: string | undefined,
    urlIndex?: string,
  ): Promise<Buffer> {
    const started = Date.now();
    const decoded = await decodeBody(body, encoding, this.config.maxDecodedBytes);
    const pages = bulkPages(decoded, urlIndex, this.ingest.pageLimits);
    const admitted = this.ingest.admit(tenant, 'elasticsearch', jsonWeight(decoded));
    const response = new BulkResponseWriter();
    const repeats = new RepeatedLines();
    let stored = 0;
    let failure: ServiceUnavailableException | undefined;
    try {
      for await (const { items, records, more } of admitted.pages(pages)) {
        // The response names each document's id, so ids are settled here rather than in the processor.
        const unnamed = records.filter((record) => record.id === undefined);
        repeats.mark(unnamed, more);
        const ids = new BatchEventIds(tenant);
        for (const record of unnamed) record.id = ids.record(record.index, record.raw)(0);
        this.ingest.rejected('elasticsearch', items.length - records.length);
        let unstored: string | undefined;
        try {
          await admitted.submit(records);
          stored += records.length;
        } catch (error) {
          if (!(error instanceof ServiceUnavailableException)) throw error;
          failure ??= error;
          unstored = error.message;
        }
        response.add(items.map((item) => outcome(item, unstored)));
      }
    } finally {
      admitted.close();
    }
    if (failure !== undefined && stored === 0) throw failure;
    return response.finish(Date.now() - started);
  }

  /**
   * One document, as `POST /{index}/_doc`; answers the id it was stored under.
   * Like Elasticsearch, a document sent without an id gets a new one each time.
   */
  async single(
    tenant: string,
    body: Buffer,
    encoding: string | undefined,
    index: string,
    id?: string,
  ): Promise<string> {
    const decoded = await decodeBody(body, encoding, this.config.maxDecodedBytes);
    const { maxRecordWeight } = this.ingest.pageLimits;
    const weight = jsonWeight(decoded);
    if (weight > maxRecordWeight) {
      throw new ProtocolError(
        413,
        'payload_too_large',
        `the document is ${decoded.length} bytes, which with its objects and arrays count as ${weight}, over the limit of ${maxRecordWeight} for one document`,
      );
    }
    const text = decoded.toString('utf8');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ProtocolError(
        400,
        'invalid_json',
        `document is not valid JSON: ${(error as Error).message}`,
      );
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ProtocolError(400, 'invalid_document', 'the document must be a JSON object');
    }
    const docId = id ?? randomBytes(15).toString('base64url');
    const admitted = this.ingest.admit(tenant, 'elasticsearch', weight);
    try {
      await admitted.submit([
        { data: data as Record<string, unknown>, raw: text, id: docId, index },
      ]);
    } finally {
      admitted.close();
    }
    return docId;
  }

  getResource(tenant: string, kind: ResourceKind, name: string): unknown {
    return this.resources.get(`${tenant}\u0000${kind}\u0000${name}`);
  }

  putResource(tenant: string, kind: ResourceKind, name: string, body: Buffer): void {
    let value: unknown = {};
    try {
      value = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch (error) {
      throw new ProtocolError(
        400,
        'invalid_json',
        `body is not valid JSON: ${(error as Error).message}`,
      );
    }
    this.resources.set(`${tenant}\u0000${kind}\u0000${name}`, value);
  }
}

function outcome(item: BulkRequestItem, unstored: string | undefined): BulkItemOutcome {
  if (item.error !== undefined) return item;
  if (unstored !== undefined) return backpressureFailure(item, unstored);
  return { action: item.action, index: item.index, id: item.record.id! };
}
