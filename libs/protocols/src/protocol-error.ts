export interface ProtocolErrorOptions {
  /**
   * A complete Elasticsearch error body (`{"error":{...},"status":N}`) for
   * failures Elasticsearch itself reports with a specific shape and wording;
   * the controller sends it as is instead of rendering one from `message`.
   */
  elasticsearchBody?: string;
  cause?: unknown;
}

/**
 * A client mistake found while decoding a request (unknown encoding, corrupt
 * body, malformed bulk action, ...). `status` is the HTTP status to answer with
 * and `code` a short machine word for the `{error, message}` body. Anything else
 * this library throws is a Logwarden fault and deserves a 5xx.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly elasticsearchBody: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: ProtocolErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.elasticsearchBody = options.elasticsearchBody;
  }
}
