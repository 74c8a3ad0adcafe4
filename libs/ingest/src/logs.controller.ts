import { BadRequestException, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { decodeBody, decodeJsonLogs } from '@logwarden/protocols';
import { IngestService } from './ingest.service';

export interface LogsResponse {
  accepted: number;
  rejected: number;
  errors: { index: number; reason: string }[];
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
    const { records, errors } = decodeJsonLogs(body.toString('utf8'));
    this.ingest.rejected('http', errors.length);
    if (records.length === 0) {
      throw new BadRequestException({
        error: errors.length ? 'invalid_events' : 'empty_body',
        message: errors.length
          ? `no valid event in the request: ${errors[0].reason}`
          : 'the body holds no event: send a JSON object, a JSON array or NDJSON',
        accepted: 0,
        rejected: errors.length,
        errors: errors.slice(0, MAX_LISTED_ERRORS),
      });
    }
    await this.ingest.submit(caller.tenant, 'http', records);
    return {
      accepted: records.length,
      rejected: errors.length,
      errors: errors.slice(0, MAX_LISTED_ERRORS),
    };
  }
}
