export * from './logwarden-config';
export * from './config.module';
