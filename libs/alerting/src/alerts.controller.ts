import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import type { AlertStatus } from '@logwarden/store';
import { AlertListParams } from './alerting.dto';
import { alertView, deliveryView } from './alert-views';
import { AlertsService } from './alerts.service';
import { timeParam } from '@logwarden/http';

const DEFAULT_LIMIT = 100;

@Controller('api/v1/alerts')
@RequireRole('reader')
export class AlertsController {
  constructor(@Inject(AlertsService) private readonly alerts: AlertsService) {}

  @Get()
  async list(@Query() params: AlertListParams, @CurrentPrincipal() caller: Principal) {
    const now = Date.now();
    const alerts = await this.alerts.list({
      tenant: caller.tenant,
      status: params.status as AlertStatus[] | undefined,
      severity: params.severity,
      category: params.category,
      ruleId: params.rule,
      from: params.from === undefined ? undefined : timeParam('from', params.from, now),
      to: params.to === undefined ? undefined : timeParam('to', params.to, now),
      limit: params.limit ?? DEFAULT_LIMIT,
    });
    return { alerts: alerts.map(alertView) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @CurrentPrincipal() caller: Principal) {
    const { alert, samples, deliveries } = await this.alerts.detail(caller.tenant, id);
    return { ...alertView(alert), samples, deliveries: deliveries.map(deliveryView) };
  }

  @Post(':id/ack')
  @HttpCode(200)
  @RequireRole('responder')
  async acknowledge(@Param('id') id: string, @CurrentPrincipal() caller: Principal) {
    return alertView(await this.alerts.transition(caller.tenant, id, 'acknowledged', caller.keyId));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @RequireRole('responder')
  async resolve(@Param('id') id: string, @CurrentPrincipal() caller: Principal) {
    return alertView(await this.alerts.transition(caller.tenant, id, 'resolved', caller.keyId));
  }
}
