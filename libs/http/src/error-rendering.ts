import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProtocolError } from '@logwarden/protocols';

/** Elasticsearch shippers read `error.type`; everything else reads `{error, message}`. */
const NATIVE_PATHS = /^\/(api\/|healthz|readyz|metrics)/;

const ES_TYPES: Record<number, string> = {
  400: 'parse_exception',
  401: 'security_exception',
  403: 'security_exception',
  404: 'resource_not_found_exception',
  405: 'illegal_argument_exception',
  413: 'request_entity_too_large_exception',
  415: 'illegal_argument_exception',
  429: 'es_rejected_execution_exception',
};

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

export interface RenderedError {
  status: number;
  error: string;
  message: string;
  /** Extra fields a handler attached (validation details, readiness checks). */
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
  /** A complete Elasticsearch error body, when the thrower built one. */
  elasticsearchBody?: string;
}

/** Thrown when ingest is over capacity; rendered as 429 with Retry-After. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterSeconds = 1) {
    super('Logwarden is over capacity; retry later');
  }
}

function describe(exception: unknown): RenderedError {
  if (exception instanceof OverloadedError) {
    return {
      status: 429,
      error: 'too_many_requests',
      message: exception.message,
      retryAfterSeconds: exception.retryAfterSeconds,
    };
  }
  if (exception instanceof ProtocolError) {
    return {
      status: exception.status,
      error: exception.code,
      message: exception.message,
      elasticsearchBody: exception.elasticsearchBody,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'string')
      return { status, error: CODES[status] ?? 'error', message: response };
    const { error, message, ...details } = response as Record<string, unknown>;
    delete details.statusCode;
    const text = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : exception.message;
    const code =
      typeof error === 'string' && /^[a-z_]+$/.test(error) ? error : (CODES[status] ?? 'error');
    return {
      status,
      error: code,
      message: text,
      details: Object.keys(details).length ? details : undefined,
    };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    const status = fastifyError.statusCode;
    return {
      status,
      error: CODES[status] ?? 'bad_request',
      message: fastifyError.message ?? 'bad request',
    };
  }
  return {
    status: 500,
    error: 'internal_error',
    message: 'Logwarden failed to handle this request',
  };
}

/** Writes an error in the dialect the caller speaks. */
export function sendError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const rendered = describe(exception);
  if (rendered.status >= 500) {
    new Logger('HttpErrors').error(
      `${request.method} ${request.url.split('?')[0]} failed: ${(exception as Error)?.stack ?? String(exception)}`,
    );
  }
  if (rendered.retryAfterSeconds !== undefined)
    reply.header('Retry-After', String(rendered.retryAfterSeconds));
  if (rendered.status === 401)
    reply.header('WWW-Authenticate', 'Bearer, ApiKey, Basic realm="logwarden"');
  reply.status(rendered.status).header('Content-Type', 'application/json; charset=utf-8');

  if (NATIVE_PATHS.test(request.url)) {
    void reply.send(
      JSON.stringify({ error: rendered.error, message: rendered.message, ...rendered.details }),
    );
    return;
  }
  reply.header('X-Elastic-Product', 'Elasticsearch');
  const type =
    ES_TYPES[rendered.status] ??
    (rendered.status >= 500 ? 'exception' : 'illegal_argument_exception');
  const cause = { type, reason: rendered.message };
  void reply.send(
    rendered.elasticsearchBody ??
      JSON.stringify({ error: { root_cause: [cause], ...cause }, status: rendered.status }),
  );
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
