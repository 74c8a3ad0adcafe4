import { runApp } from '@logwarden/http';
import { ProcessorAppModule } from './processor-app.module';

void runApp('processor', 'distributed', (config) => ProcessorAppModule.distributed(config));
