import { runApp } from '@logwarden/http';
import { AppModule } from './app.module';

void runApp('logwarden', 'embedded', (config) => AppModule.embedded(config));
