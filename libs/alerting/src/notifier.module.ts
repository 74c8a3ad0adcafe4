import { Module } from '@nestjs/common';
import { AlertIntakeService } from './alert-intake.service';
import { AlertingModule } from './alerting.module';
import { DeliveryWorker } from './delivery-worker';
import { NotificationDispatcher } from './notification-dispatcher';
import { notifyProviders } from './notify-config.provider';

/** Detections into alerts, quiet alerts resolved, and every change announced through the outbox. */
@Module({
  imports: [AlertingModule],
  providers: [...notifyProviders, AlertIntakeService, NotificationDispatcher, DeliveryWorker],
})
export class NotifierModule {}
