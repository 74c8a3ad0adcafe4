import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@logwarden/ops';
import { REQUIRED_ROLE, AuthenticatedRequest } from './access.decorators';
import { ApiKeysService } from './api-keys.service';
import { Role, grants } from './roles';

/** Authenticates every request by API key and checks the route's role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context
      .switchToHttp()
      .getRequest<AuthenticatedRequest & { headers: Record<string, string> }>();
    const principal = await this.keys.authenticate(request.headers.authorization);
    if (!principal) {
      throw new UnauthorizedException({
        error: 'unauthorized',
        message: 'a valid API key is required (Authorization: Bearer <key>, ApiKey or Basic)',
      });
    }
    const needed = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? 'admin';
    if (!grants(principal.roles, needed)) {
      throw new ForbiddenException({
        error: 'forbidden',
        message: `this API key lacks the "${needed}" role`,
      });
    }
    request.principal = principal;
    return true;
  }
}
