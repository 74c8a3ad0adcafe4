/**
 * Elasticsearch's whole-request error body,
 * `{"error":{"root_cause":[{"type","reason"}],"type","reason"},"status":N}`,
 * which clients and shippers parse to report why a request failed.
 */
export function buildElasticsearchError(status: number, type: string, reason: string): string {
  const cause = `"type":${JSON.stringify(type)},"reason":${JSON.stringify(reason)}`;
  return `{"error":{"root_cause":[{${cause}}],${cause}},"status":${status}}`;
}
