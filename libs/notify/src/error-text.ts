// Duck-typed rather than `instanceof Error`: errors raised by Node's own fetch and fs come from
// another realm under Jest's sandbox, and `instanceof` is false for them there.

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

export function messageOf(error: unknown): string {
  const { message } = asErrorLike(error);
  return typeof message === 'string' ? message : String(error);
}

export function nameOf(error: unknown): string | undefined {
  const { name } = asErrorLike(error);
  return typeof name === 'string' ? name : undefined;
}

/** What a wrapping error (fetch's "fetch failed") says went wrong underneath, if it says. */
export function causeOf(error: unknown): string | undefined {
  const { cause } = asErrorLike(error);
  return cause === undefined ? undefined : messageOf(cause);
}
