import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { DeliveryWorker } from './delivery-worker';
import { NotificationDispatcher } from './notification-dispatcher';
import { notifyProviders } from './notify-config.provider';
import { SilencesController } from './silences.controller';
import { SilencesService } from './silences.service';

/** Alerts from detections, their lifecycle, silences, and notification through the outbox. */
@Module({
  controllers: [AlertsController, SilencesController],
  providers: [
    ...notifyProviders,
    AlertsService,
    SilencesService,
    NotificationDispatcher,
    DeliveryWorker,
  ],
})
export class AlertingModule {}
