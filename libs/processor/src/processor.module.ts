import { Module } from '@nestjs/common';
import { ProcessorService } from './processor.service';

/** Normalization and storage of everything ingest receives. */
@Module({ providers: [ProcessorService], exports: [ProcessorService] })
export class ProcessorModule {}
