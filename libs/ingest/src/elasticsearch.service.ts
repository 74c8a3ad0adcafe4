import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import {
  BulkItemOutcome,
  ProtocolError,
  buildBulkResponse,
  decodeBody,
  parseBulk,
} from '@logwarden/protocols';
import { OccurrenceCounter, deriveEventId } from '@logwarden/schema';
import { IngestService } from './ingest.service';

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

  async bulk(
    tenant: string,
    body: Buffer,
    encoding: string | undefined,
    urlIndex?: string,
  ): Promise<string> {
    const started = Date.now();
    const decoded = await decodeBody(body, encoding, this.config.maxDecodedBytes);
    const { items, records } = parseBulk(decoded.toString('utf8'), urlIndex);
    // The response names each document's id, so ids are settled here rather than in the processor.
    const occurrences = new OccurrenceCounter();
    const outcomes: BulkItemOutcome[] = items.map((item) => {
      if (item.error) return item;
      item.record.id ??= deriveEventId(
        tenant,
        item.index,
        item.record.raw,
        occurrences.next(item.record.raw),
      );
      return { action: item.action, index: item.index, id: item.record.id };
    });
    this.ingest.rejected('elasticsearch', items.length - records.length);
    await this.ingest.submit(tenant, 'elasticsearch', records);
    return buildBulkResponse(outcomes, Date.now() - started);
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
    await this.ingest.submit(tenant, 'elasticsearch', [
      { data: data as Record<string, unknown>, raw: text, id: docId, index },
    ]);
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
