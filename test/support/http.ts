import { gzipSync } from 'node:zlib';
import { ADMIN_KEY, bearer } from './logwarden';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A request with the admin key unless other headers say otherwise. */
export async function call<T = any>(
  url: string,
  path: string,
  init: {
    method?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    key?: string | null;
  } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) Object.assign(headers, bearer(init.key ?? ADMIN_KEY));
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body,
  });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export function ndjson(records: unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}

export function postLogs(
  url: string,
  body: string | Buffer,
  options: { key?: string; gzip?: boolean; contentType?: string } = {},
) {
  const headers: Record<string, string> = {
    'Content-Type': options.contentType ?? 'application/x-ndjson',
  };
  if (options.gzip) headers['Content-Encoding'] = 'gzip';
  return call(url, '/api/v1/logs', {
    method: 'POST',
    body: options.gzip ? gzipSync(body) : body,
    headers,
    key: options.key,
  });
}

export function search(url: string, params: Record<string, string | number>, key?: string) {
  const query = new URLSearchParams(
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
  );
  return call(url, `/api/v1/search?${query.toString()}`, { key });
}
