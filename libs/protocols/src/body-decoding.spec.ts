import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeBody } from './body-decoding';
import { ProtocolError } from './protocol-error';

const MB = 1024 * 1024;
const ndjson = '{"create":{"_index":"filebeat"}}\n{"message":"GET /health 200"}\n';

async function rejection(promise: Promise<unknown>): Promise<ProtocolError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describe('decodeBody', () => {
  it('returns an unencoded body unchanged, with or without identity', async () => {
    const body = Buffer.from(ndjson);
    expect((await decodeBody(body, undefined, MB)).toString()).toBe(ndjson);
    expect((await decodeBody(body, 'identity', MB)).toString()).toBe(ndjson);
    expect((await decodeBody(body, '', MB)).toString()).toBe(ndjson);
  });

  it('inflates gzip as Filebeat, Logstash and Fluent Bit send it, whatever the header case', async () => {
    const body = gzipSync(ndjson);
    expect((await decodeBody(body, 'gzip', MB)).toString()).toBe(ndjson);
    expect((await decodeBody(body, ' GZIP ', MB)).toString()).toBe(ndjson);
    expect((await decodeBody(body, 'x-gzip', MB)).toString()).toBe(ndjson);
  });

  it('inflates every member of a body made of concatenated gzip members', async () => {
    const body = Buffer.concat([
      gzipSync('{"a":1}\n'),
      gzipSync('{"b":2}\n'),
      gzipSync('{"c":3}\n'),
    ]);
    expect((await decodeBody(body, 'gzip', MB)).toString()).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('inflates zlib-wrapped deflate (Vector zlib) and raw deflate', async () => {
    expect((await decodeBody(deflateSync(ndjson), 'deflate', MB)).toString()).toBe(ndjson);
    expect((await decodeBody(deflateRawSync(ndjson), 'deflate', MB)).toString()).toBe(ndjson);
  });

  it('undoes a list of codings last one first', async () => {
    const body = gzipSync(deflateSync(ndjson));
    expect((await decodeBody(body, 'deflate, gzip', MB)).toString()).toBe(ndjson);
  });

  it('accepts an empty body declared as gzip', async () => {
    expect((await decodeBody(Buffer.alloc(0), 'gzip', MB)).length).toBe(0);
  });

  it('refuses an unknown encoding with 415 naming it', async () => {
    const error = await rejection(decodeBody(Buffer.from('x'), 'br', MB));
    expect(error).toMatchObject({ status: 415, code: 'unsupported_encoding' });
    expect(error.message).toContain('"br"');
  });

  it('answers 400 naming gzip for a body that is not gzip', async () => {
    const error = await rejection(decodeBody(Buffer.from(ndjson), 'gzip', MB));
    expect(error).toMatchObject({ status: 400, code: 'invalid_gzip' });
    expect(error.message).toMatch(/^gzip body could not be decoded: /);
  });

  it('answers 400 for a truncated gzip body rather than returning part of it', async () => {
    const whole = gzipSync(ndjson);
    const error = await rejection(decodeBody(whole.subarray(0, whole.length - 6), 'gzip', MB));
    expect(error).toMatchObject({ status: 400, code: 'invalid_gzip' });
    expect(error.message).toContain('unexpected end of file');
  });

  it('answers 400 naming deflate for a corrupt deflate body', async () => {
    const corrupt = Buffer.from(deflateSync(ndjson));
    corrupt[5] ^= 0xff;
    corrupt[6] ^= 0xff;
    const error = await rejection(decodeBody(corrupt, 'deflate', MB));
    expect(error).toMatchObject({ status: 400, code: 'invalid_deflate' });
    expect(error.message).toMatch(/^deflate body could not be decoded: /);
  });

  it('answers 413 for an unencoded body over the limit', async () => {
    const error = await rejection(decodeBody(Buffer.alloc(2048, 'a'), undefined, 1024));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(error.message).toContain('1024 bytes');
  });

  it('accepts a body that inflates to exactly the limit', async () => {
    const body = gzipSync(Buffer.alloc(1024, 'a'));
    expect((await decodeBody(body, 'gzip', 1024)).length).toBe(1024);
  });

  it('stops inflating a gzip bomb at the limit instead of expanding it', async () => {
    // 1 GiB of zeros in 1 MiB of gzip; inflating it whole takes seconds and a gigabyte.
    const member = gzipSync(Buffer.alloc(MB));
    const bomb = Buffer.concat(Array<Buffer>(1024).fill(member));
    const started = Date.now();
    const error = await rejection(decodeBody(bomb, 'gzip', 8 * MB));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('applies the limit to deflate too', async () => {
    const error = await rejection(decodeBody(deflateSync(Buffer.alloc(4 * MB)), 'deflate', MB));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
  });
});
