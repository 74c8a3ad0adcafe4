import { Module } from '@nestjs/common';
import { EVENT_INTEREST } from '@logwarden/processor';
import { DetectorService } from './detector.service';
import { RulesModule } from './rules.module';

/**
 * Streaming detection: the enabled rules over `logs.events`, detections out on `alerts`.
 * Exports which events the rules read, for a processor in the same process.
 */
@Module({
  imports: [RulesModule],
  providers: [DetectorService, { provide: EVENT_INTEREST, useExisting: DetectorService }],
  exports: [EVENT_INTEREST],
})
export class DetectorModule {}
