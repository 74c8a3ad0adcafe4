import { Injectable } from '@nestjs/common';
import type { Alert } from '@logwarden/store';

export interface AlertChangeListener {
  /** Alerts a person moved on (e.g. resolved), to announce. */
  alertsChanged(alerts: Alert[]): void;
  /** A silence was lifted: what it held back may be due. */
  silencesChanged(): void;
}

/**
 * Tells the notifier what the API changed, when both run in one process. A separate
 * API process has no listener; the notifier's periodic sweep picks the changes up.
 */
@Injectable()
export class AlertChanges {
  private listener?: AlertChangeListener;

  listen(listener: AlertChangeListener): void {
    this.listener = listener;
  }

  alertsChanged(alerts: Alert[]): void {
    this.listener?.alertsChanged(alerts);
  }

  silencesChanged(): void {
    this.listener?.silencesChanged();
  }
}
