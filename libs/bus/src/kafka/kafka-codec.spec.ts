import { DEAD_LETTER_HEADERS, deadLetterRecord, decodeRecord, encodeRecord } from './kafka-codec';

describe('Kafka record codec', () => {
  it('writes the key as given and the value as JSON', () => {
    const value = { '@timestamp': '2024-05-01T10:00:00.000Z', message: 'GET /health 200' };
    expect(encodeRecord({ key: 'acme/web-1', value })).toEqual({
      key: 'acme/web-1',
      value: JSON.stringify(value),
    });
  });

  it('carries a store position in a header and reads it back', () => {
    const encoded = encodeRecord({ key: 'acme/web-1', value: { n: 1 }, position: 1234 });
    expect(encoded.headers).toEqual({ 'logwarden-position': '1234' });

    const decoded = decodeRecord(
      {
        offset: '7',
        key: Buffer.from(encoded.key as string),
        value: Buffer.from(encoded.value as string),
        headers: { 'logwarden-position': Buffer.from('1234') },
      },
      2,
    );
    expect(decoded).toEqual({
      key: 'acme/web-1',
      value: { n: 1 },
      partition: 2,
      offset: 7,
      position: 1234,
    });
  });

  it('refuses a value JSON cannot carry', () => {
    expect(() => encodeRecord({ key: 'k', value: undefined })).toThrow(
      'the message keyed "k" has no JSON value',
    );
  });

  it('answers why a record cannot be read instead of throwing', () => {
    const base = { offset: '3', key: Buffer.from('k') };
    expect(decodeRecord({ ...base, value: Buffer.from('{"n":') }, 0)).toEqual(
      new Error('the value is not JSON: ' + jsonError('{"n":')),
    );
    expect(decodeRecord({ ...base, value: null }, 0)).toEqual(new Error('the record has no value'));
    expect(
      decodeRecord({ ...base, value: Buffer.from('1'), headers: { 'logwarden-position': 'x' } }, 0),
    ).toEqual(new Error('the position header "x" is not an integer'));
  });

  it('reads a record without a key as keyed by the empty string', () => {
    expect(decodeRecord({ offset: '0', key: null, value: Buffer.from('true') }, 1)).toEqual({
      key: '',
      value: true,
      partition: 1,
      offset: 0,
    });
  });

  it('dead-letters the original bytes with headers naming origin and failure', () => {
    const original = {
      offset: '41',
      key: Buffer.from('acme/web-1'),
      value: Buffer.from('{"n":1}'),
      headers: { 'logwarden-position': '9' },
    };
    const letter = deadLetterRecord(original, {
      topic: 'prod-logs.events',
      partition: 4,
      group: 'detector',
      error: 'x'.repeat(5_000),
    });
    expect(letter.key).toBe(original.key);
    expect(letter.value).toBe(original.value);
    expect(letter.headers).toEqual({
      'logwarden-position': '9',
      [DEAD_LETTER_HEADERS.topic]: 'prod-logs.events',
      [DEAD_LETTER_HEADERS.partition]: '4',
      [DEAD_LETTER_HEADERS.offset]: '41',
      [DEAD_LETTER_HEADERS.group]: 'detector',
      [DEAD_LETTER_HEADERS.error]: 'x'.repeat(1_000),
    });
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}
