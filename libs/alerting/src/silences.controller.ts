import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
} from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { CreateSilenceDto } from './alerting.dto';
import { AlertChanges } from './alert-changes';
import { silenceView } from './alert-views';
import { SilencesService } from './silences.service';
import { JsonBody, durationParam, timeParam } from '@logwarden/http';

@Controller('api/v1/silences')
@RequireRole('reader')
export class SilencesController {
  constructor(
    @Inject(SilencesService) private readonly silences: SilencesService,
    @Inject(AlertChanges) private readonly changes: AlertChanges,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireRole('responder')
  async create(@JsonBody() body: CreateSilenceDto, @CurrentPrincipal() caller: Principal) {
    const now = Date.now();
    const startsAt =
      body.starts_at === undefined ? now : timeParam('starts_at', body.starts_at, now);
    if ((body.ends_at === undefined) === (body.duration === undefined)) {
      throw new BadRequestException({
        error: 'invalid_request',
        message: 'give either ends_at or duration',
      });
    }
    const endsAt =
      body.ends_at !== undefined
        ? timeParam('ends_at', body.ends_at, now)
        : startsAt + durationParam('duration', body.duration!);
    if (endsAt <= Math.max(startsAt, now)) {
      throw new BadRequestException({
        error: 'invalid_range',
        message: 'ends_at must be after starts_at and in the future',
      });
    }
    const silence = await this.silences.create(caller.tenant, caller.keyId, {
      matchers: body.matchers,
      startsAt,
      endsAt,
      comment: body.comment,
    });
    return silenceView(silence);
  }

  @Get()
  async list(@CurrentPrincipal() caller: Principal) {
    return { silences: (await this.silences.list(caller.tenant)).map(silenceView) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('responder')
  async delete(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<void> {
    await this.silences.delete(caller.tenant, id);
    // What the silence held back is announced now rather than at the next sweep.
    this.changes.silencesChanged();
  }
}
