import { Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { JsonBody } from '@logwarden/http';
import { CurrentPrincipal, RequireRole } from './access.decorators';
import { ApiKeysService, CreatedKey, KeyView } from './api-keys.service';
import { CreateKeyDto } from './create-key.dto';
import type { Principal } from './roles';

@Controller('api/v1/keys')
@RequireRole('admin')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  create(
    @JsonBody() body: CreateKeyDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedKey> {
    return this.keys.create({
      name: body.name,
      roles: body.roles,
      tenant: body.tenant ?? caller.tenant,
    });
  }

  @Get()
  async list(): Promise<{ keys: KeyView[] }> {
    return { keys: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id') id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
