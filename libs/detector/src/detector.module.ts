import { Module } from '@nestjs/common';
import { DetectorService } from './detector.service';
import { RulesModule } from './rules.module';

/** Streaming detection: the enabled rules over `logs.events`, detections out on `alerts`. */
@Module({ imports: [RulesModule], providers: [DetectorService] })
export class DetectorModule {}
