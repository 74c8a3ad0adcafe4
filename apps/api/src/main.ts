import { runApp } from '@logwarden/http';
import { ApiAppModule } from './api-app.module';

void runApp('api', 'distributed', (config) => ApiAppModule.distributed(config));
