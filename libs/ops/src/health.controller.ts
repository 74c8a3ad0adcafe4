import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Metrics } from './metrics';
import { Public, Readiness } from './readiness';

@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  readyz(): { status: string; checks: Record<string, string> } {
    const report = this.readiness.report();
    if (!report.ready) {
      throw new ServiceUnavailableException({
        error: 'not_ready',
        message: 'a dependency is unavailable',
        checks: report.checks,
      });
    }
    return { status: 'ready', checks: report.checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
