import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Head,
  HttpCode,
  Inject,
  Injectable,
  NestInterceptor,
  NotFoundException,
  Param,
  Post,
  Put,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import {
  catHealth,
  clusterHealth,
  clusterInfo,
  licenseInfo,
  xpackInfo,
} from '@logwarden/protocols';
import { ElasticsearchService, ResourceKind } from './elasticsearch.service';

/** Official clients and Logstash refuse servers without this header on a 2xx. */
@Injectable()
class ElasticsearchProductHeader implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<FastifyReply>().header('X-Elastic-Product', 'Elasticsearch');
    return next.handle();
  }
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function encoding(request: FastifyRequest): string | undefined {
  return request.headers['content-encoding'];
}

const NOT_FOUND: Record<ResourceKind, (name: string) => string> = {
  index_template: (name) => `index template matching [${name}] not found`,
  template: (name) => `index_template [${name}] missing`,
  ilm_policy: (name) => `Lifecycle policy not found: ${name}`,
  ingest_pipeline: (name) => `pipeline [${name}] is missing`,
};

/** What Elasticsearch answers to GET for an installed setting. */
function shaped(kind: ResourceKind, name: string, body: unknown): unknown {
  switch (kind) {
    case 'index_template':
      return { index_templates: [{ name, index_template: body }] };
    case 'ilm_policy':
      return {
        [name]: {
          version: 1,
          modified_date: new Date(0).toISOString(),
          policy: (body as { policy?: unknown }).policy ?? body,
        },
      };
    default:
      return { [name]: body };
  }
}

const ACKNOWLEDGED = { acknowledged: true };

/**
 * The Elasticsearch API subset that log shippers use: the startup probes,
 * settings they install, `_bulk` and single documents.
 */
@Controller()
@RequireRole('ingest')
@UseInterceptors(ElasticsearchProductHeader)
export class ElasticsearchController {
  constructor(
    @Inject(ElasticsearchService) private readonly elasticsearch: ElasticsearchService,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
  ) {}

  @Get()
  root(): unknown {
    return clusterInfo({
      name: 'logwarden',
      clusterName: 'logwarden',
      clusterUuid: 'logwarden-embedded',
      version: this.config.elasticsearchVersion,
    });
  }

  @Get('_license')
  license(): unknown {
    return licenseInfo();
  }

  @Get('_xpack')
  xpack(): unknown {
    return xpackInfo();
  }

  @Get('_cluster/health')
  health(): unknown {
    return clusterHealth();
  }

  @Get('_cat/health')
  catHealth(@Res({ passthrough: true }) reply: FastifyReply): string {
    reply.type('text/plain; charset=UTF-8');
    return catHealth();
  }

  @Get(['_nodes', '_nodes/http', '_nodes/_all/http'])
  nodes(): unknown {
    return { _nodes: { total: 0, successful: 0, failed: 0 }, cluster_name: 'logwarden', nodes: {} };
  }

  @Get('_security/_authenticate')
  authenticate(@CurrentPrincipal() caller: Principal): unknown {
    return { username: caller.keyId, roles: caller.roles, full_name: caller.name, enabled: true };
  }

  @Get(['_index_template/:name', '_template/:name', '_ilm/policy/:name', '_ingest/pipeline/:name'])
  getSetting(
    @Req() request: FastifyRequest,
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): unknown {
    const kind = this.kindOf(request);
    const body = this.elasticsearch.getResource(caller.tenant, kind, name);
    if (body === undefined)
      throw new NotFoundException({ error: 'not_found', message: NOT_FOUND[kind](name) });
    return shaped(kind, name, body);
  }

  @Put(['_index_template/:name', '_template/:name', '_ilm/policy/:name', '_ingest/pipeline/:name'])
  putSetting(
    @Req() request: FastifyRequest,
    @Param('name') name: string,
    @CurrentPrincipal() caller: Principal,
  ): unknown {
    this.elasticsearch.putResource(caller.tenant, this.kindOf(request), name, rawBody(request));
    return ACKNOWLEDGED;
  }

  @Post(['_bulk', ':index/_bulk'])
  @HttpCode(200)
  bulk(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    return this.bulkRequest(request, caller, reply);
  }

  @Put(['_bulk', ':index/_bulk'])
  @HttpCode(200)
  bulkByPut(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    return this.bulkRequest(request, caller, reply);
  }

  /** `POST /{index}/_doc`, `_create`, and rsyslog's legacy `POST /{index}/{type}`. */
  @Post([':index/_doc', ':index/_doc/:id', ':index/_create/:id', ':index/:type'])
  @HttpCode(201)
  document(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
  ): Promise<unknown> {
    return this.documentRequest(request, caller);
  }

  @Put([':index/_doc/:id', ':index/_create/:id'])
  @HttpCode(201)
  documentByPut(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
  ): Promise<unknown> {
    return this.documentRequest(request, caller);
  }

  /** Logstash probes its rollover alias before creating it. */
  @Head(':index')
  async indexExists(): Promise<void> {
    throw new NotFoundException({ error: 'not_found', message: 'no such index' });
  }

  @Put(':index')
  createIndex(@Param('index') index: string): unknown {
    return { ...ACKNOWLEDGED, shards_acknowledged: true, index };
  }

  private async bulkRequest(
    request: FastifyRequest,
    caller: Principal,
    reply: FastifyReply,
  ): Promise<Buffer> {
    reply.type('application/json');
    const { index } = request.params as { index?: string };
    return this.elasticsearch.bulk(caller.tenant, rawBody(request), encoding(request), index);
  }

  private async documentRequest(request: FastifyRequest, caller: Principal): Promise<unknown> {
    const { index, id } = request.params as { index: string; id?: string };
    const stored = await this.elasticsearch.single(
      caller.tenant,
      rawBody(request),
      encoding(request),
      index,
      id,
    );
    return {
      _index: index,
      _id: stored,
      _version: 1,
      result: 'created',
      _shards: { total: 1, successful: 1, failed: 0 },
      _seq_no: 0,
      _primary_term: 1,
    };
  }

  private kindOf(request: FastifyRequest): ResourceKind {
    const path = request.url;
    if (path.startsWith('/_index_template/')) return 'index_template';
    if (path.startsWith('/_template/')) return 'template';
    if (path.startsWith('/_ilm/')) return 'ilm_policy';
    return 'ingest_pipeline';
  }
}
