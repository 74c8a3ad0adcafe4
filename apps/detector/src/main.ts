import { runApp } from '@logwarden/http';
import { DetectorAppModule } from './detector-app.module';

void runApp('detector', 'distributed', (config) => DetectorAppModule.distributed(config));
