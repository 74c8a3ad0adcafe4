import { Module } from '@nestjs/common';
import { AlertChanges } from './alert-changes';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { SilencesController } from './silences.controller';
import { SilencesService } from './silences.service';

/** The alerts and silences API. */
@Module({
  controllers: [AlertsController, SilencesController],
  providers: [AlertsService, SilencesService, AlertChanges],
  exports: [SilencesService, AlertChanges],
})
export class AlertingModule {}
