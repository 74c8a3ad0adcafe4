export * from './alert-store.port';
export * from './event-store.port';
export * from './key-store.port';
export * from './store.module';
export * from './retention.service';
// The Elasticsearch bulk format, which loads no Elasticsearch code; the store itself comes with
// StoreModule.elasticsearch().
export { bulkEntry, type BulkEntry } from './elasticsearch/elasticsearch-event-document';
export { EventIndexNames } from './elasticsearch/elasticsearch-event-mapping';
