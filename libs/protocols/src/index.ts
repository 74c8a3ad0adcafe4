export { ProtocolError, type ProtocolErrorOptions } from './protocol-error';
export { decodeBody } from './body-decoding';
export {
  decodeJsonLogs,
  jsonLogPages,
  type JsonLogError,
  type JsonLogsPage,
  type JsonLogsResult,
} from './json-logs';
export type { PageLimits } from './pages';
export { jsonWeight } from './json-weight';
export type {
  BulkAction,
  BulkDocument,
  BulkItemError,
  BulkItemFailure,
  BulkItemOutcome,
  BulkItemSuccess,
  BulkPage,
  BulkParseResult,
  BulkRequestItem,
  DocumentAction,
} from './elasticsearch-bulk-types';
export { DEFAULT_BULK_INDEX, bulkPages, parseBulk } from './elasticsearch-bulk';
export {
  BulkResponseWriter,
  backpressureFailure,
  buildBulkResponse,
} from './elasticsearch-bulk-response';
export { buildElasticsearchError } from './elasticsearch-errors';
export {
  catHealth,
  clusterHealth,
  clusterInfo,
  licenseInfo,
  xpackInfo,
  type ClusterHealth,
  type ClusterInfo,
  type ClusterInfoOptions,
  type LicenseInfo,
  type XpackInfo,
} from './elasticsearch-probes';
