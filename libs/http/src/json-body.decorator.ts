import { BadRequestException, ExecutionContext, createParamDecorator } from '@nestjs/common';

/**
 * The request body parsed as JSON. Bodies arrive raw (ingest must see the
 * bytes), so routes taking a JSON document parse it here, at the edge, before
 * the validation pipe checks it against the route's DTO.
 */
export const JsonBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  const body = ctx.switchToHttp().getRequest<{ body?: unknown }>().body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new BadRequestException({
      error: 'invalid_body',
      message: 'a JSON object body is required',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BadRequestException({
      error: 'invalid_json',
      message: `body is not valid JSON: ${(error as Error).message}`,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadRequestException({
      error: 'invalid_body',
      message: 'the body must be a JSON object',
    });
  }
  return parsed;
});
