import { errors } from '@elastic/elasticsearch';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Up to half a minute of backoff: a node restart or a long garbage collection, not an outage. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 250, maxDelayMs: 15_000 };

/**
 * Whether a request may succeed if sent again: Elasticsearch is pushing back (429),
 * failing on its side (5xx), or could not be reached. Any other answer would be the same.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof errors.ResponseError) return isRetryableStatus(error.statusCode ?? 0);
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  );
}

/** Exponential backoff with jitter, so instances pushed back together do not return together. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation`, again after a backoff while it fails in a way worth retrying. */
export async function withRetries<T>(policy: RetryPolicy, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      await sleep(retryDelay(policy, attempt));
    }
  }
}
