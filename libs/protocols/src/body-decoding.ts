import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { ProtocolError } from './protocol-error';

type Inflater = (
  input: InputType,
  options: ZlibOptions,
  callback: (error: Error | null, result: Buffer) => void,
) => void;

/**
 * Undoes the request's `Content-Encoding`: `gzip` (also `x-gzip`, and bodies
 * made of several concatenated gzip members, which Node inflates as one),
 * `deflate` (zlib-wrapped as the RFC says, or raw deflate as some clients send),
 * `identity` or none. A comma-separated list is undone last coding first.
 *
 * `maxBytes` bounds the decoded size. It is handed to zlib as `maxOutputLength`
 * so inflation stops as soon as the limit is crossed: a few megabytes of gzip can
 * expand to gigabytes, and checking the size afterwards would already have
 * allocated them.
 *
 * @throws ProtocolError 415 `unsupported_encoding`, 400 `invalid_gzip` /
 *   `invalid_deflate` for a corrupt stream, 413 `payload_too_large`.
 */
export async function decodeBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const codings = parseContentEncoding(contentEncoding);
  let decoded = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    decoded = await undo(codings[i], decoded, maxBytes);
  }
  if (decoded.length > maxBytes) {
    throw tooLarge(`body of ${decoded.length} bytes exceeds`, maxBytes);
  }
  return decoded;
}

const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'identity']);

function parseContentEncoding(header: string | undefined): string[] {
  if (header === undefined) return [];
  const codings: string[] = [];
  for (const part of header.split(',')) {
    const coding = part.trim().toLowerCase();
    if (coding === '') continue;
    if (!SUPPORTED.has(coding)) {
      throw new ProtocolError(
        415,
        'unsupported_encoding',
        `unsupported Content-Encoding "${coding}"; use gzip, deflate or identity`,
      );
    }
    codings.push(coding);
  }
  return codings;
}

async function undo(coding: string, input: Buffer, maxBytes: number): Promise<Buffer> {
  // zlib reports an empty input as a truncated stream; there is simply nothing to decode.
  if (coding === 'identity' || input.length === 0) return input;
  if (coding === 'deflate') {
    return hasZlibHeader(input)
      ? run(inflate, 'deflate', input, maxBytes)
      : run(inflateRaw, 'deflate', input, maxBytes);
  }
  return run(gunzip, 'gzip', input, maxBytes);
}

/**
 * RFC 1950 header: compression method 8 with a window of at most 32 KiB, and
 * the two header bytes a multiple of 31. Raw deflate (what some clients send for
 * `deflate`) practically never passes this check, so no second attempt is made.
 */
function hasZlibHeader(input: Buffer): boolean {
  if (input.length < 2) return false;
  const cmf = input[0];
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | input[1]) % 31 === 0;
}

function run(
  inflater: Inflater,
  coding: 'gzip' | 'deflate',
  input: Buffer,
  maxBytes: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    inflater(input, { maxOutputLength: maxBytes }, (error, result) => {
      if (error === null) resolve(result);
      else reject(translate(error, coding, maxBytes));
    });
  });
}

function translate(error: Error, coding: 'gzip' | 'deflate', maxBytes: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(`${coding} body inflates beyond`, maxBytes);
  if (code?.startsWith('Z_')) {
    return new ProtocolError(
      400,
      `invalid_${coding}`,
      `${coding} body could not be decoded: ${error.message}`,
      { cause: error },
    );
  }
  return error;
}

function tooLarge(what: string, maxBytes: number): ProtocolError {
  return new ProtocolError(413, 'payload_too_large', `${what} the limit of ${maxBytes} bytes`);
}
