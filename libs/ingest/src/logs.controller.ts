import { BadRequestException, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { JsonLogError, decodeBody, jsonLogPages, jsonWeight } from '@logwarden/protocols';
import { IngestService } from './ingest.service';
import { RepeatedLines } from './repeated-lines';

export interface LogsResponse {
  accepted: number;
  rejected: number;
  errors: JsonLogError[];
}

/** Listing every bad line of a huge request helps nobody; the count stays exact. */
const MAX_LISTED_ERRORS = 100;

/** Logwarden's own ingest endpoint: a JSON object, a JSON array or NDJSON. */
@Controller('api/v1/logs')
@RequireRole('ingest')
export class LogsController {
  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
  ): Promise<LogsResponse> {
    const body = await decodeBody(
      Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      request.headers['content-encoding'],
      this.config.maxDecodedBytes,
    );
    const answer: LogsResponse = { accepted: 0, rejected: 0, errors: [] };
    const admitted = this.ingest.admit(caller.tenant, 'http', jsonWeight(body));
    try {
      const repeats = new RepeatedLines();
      for await (const { records, errors, more } of admitted.pages(
        jsonLogPages(body, this.ingest.pageLimits),
      )) {
        answer.rejected += errors.length;
        for (const error of errors.slice(0, MAX_LISTED_ERRORS - answer.errors.length)) {
          answer.errors.push(error);
        }
        this.ingest.rejected('http', errors.length);
        // `raw` serves only to derive the event ids of records that bring none.
        repeats.mark(records, more);
        await admitted.submit(records);
        answer.accepted += records.length;
      }
    } finally {
      admitted.close();
    }
    if (answer.accepted === 0) {
      throw new BadRequestException({
        error: answer.rejected ? 'invalid_events' : 'empty_body',
        message: answer.rejected
          ? `no valid event in the request: ${answer.errors[0].reason}`
          : 'the body holds no event: send a JSON object, a JSON array or NDJSON',
        ...answer,
      });
    }
    return answer;
  }
}
