import { runApp } from '@logwarden/http';
import { NotifierAppModule } from './notifier-app.module';

void runApp('notifier', 'distributed', (config) => NotifierAppModule.distributed(config));
