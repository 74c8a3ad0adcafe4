export * from './json-body.decorator';
export * from './error-rendering';
export * from './create-http-app';
export * from './run-app';
export * from './time-params';
