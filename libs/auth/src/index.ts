export * from './roles';
export * from './access.decorators';
export * from './api-keys.service';
export * from './auth.module';
