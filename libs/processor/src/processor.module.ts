import { DynamicModule, Module, Type } from '@nestjs/common';
import { ProcessorService } from './processor.service';

/** Normalization and storage of everything ingest receives. */
@Module({ providers: [ProcessorService], exports: [ProcessorService] })
export class ProcessorModule {
  /**
   * With the consumers of `logs.events` running in the same process, whose module exports
   * EVENT_INTEREST: only the events they read are held through the commit and published.
   */
  static consumedBy(consumers: Type): DynamicModule {
    return { module: ProcessorModule, imports: [consumers] };
  }
}
