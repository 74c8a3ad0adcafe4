import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Principal, Role } from './roles';

export const REQUIRED_ROLE = 'logwarden:role';

/** The role a caller's key must grant for this route; routes without one are admin-only. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The authenticated caller, set by the API key guard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('route reached without authentication');
    return request.principal;
  },
);
