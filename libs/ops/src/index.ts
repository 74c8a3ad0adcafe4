export * from './metrics';
export * from './readiness';
export * from './ops.module';
