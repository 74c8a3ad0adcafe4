export * from './alert-store.port';
export * from './event-store.port';
export * from './key-store.port';
export * from './store.module';
export * from './retention.service';
