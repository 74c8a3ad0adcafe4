import { runApp } from '@logwarden/http';
import { IngestAppModule } from './ingest-app.module';

void runApp('ingest', 'distributed', (config) => IngestAppModule.distributed(config));
