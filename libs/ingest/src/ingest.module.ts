import { Module } from '@nestjs/common';
import { ElasticsearchController } from './elasticsearch.controller';
import { ElasticsearchService } from './elasticsearch.service';
import { IngestService } from './ingest.service';
import { LogsController } from './logs.controller';

/** HTTP ingest: Logwarden's own endpoint and the Elasticsearch API shippers speak. */
@Module({
  controllers: [LogsController, ElasticsearchController],
  providers: [IngestService, ElasticsearchService],
  exports: [IngestService],
})
export class IngestModule {}
