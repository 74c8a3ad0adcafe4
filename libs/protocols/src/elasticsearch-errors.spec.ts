import { buildElasticsearchError } from './elasticsearch-errors';

describe('buildElasticsearchError', () => {
  it('writes root_cause, type, reason and status like Elasticsearch', () => {
    expect(buildElasticsearchError(413, 'too_large', 'body "x" over 1 MB')).toBe(
      '{"error":{"root_cause":[{"type":"too_large","reason":"body \\"x\\" over 1 MB"}],"type":"too_large","reason":"body \\"x\\" over 1 MB"},"status":413}',
    );
  });
});
