import { Client } from '@elastic/elasticsearch';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeBody } from './body-decoding';
import { parseBulk } from './elasticsearch-bulk';
import { backpressureFailure, buildBulkResponse } from './elasticsearch-bulk-response';
import type { BulkItemOutcome } from './elasticsearch-bulk-types';
import { clusterHealth, clusterInfo, licenseInfo } from './elasticsearch-probes';

/**
 * The official client (8.19) talks to a minimal server built from this
 * library: it checks the product header, sends gzip when asked, and parses the
 * bulk response items by position.
 */
describe('the official Elasticsearch client against these wire formats', () => {
  let server: Server;
  let client: Client;
  const bulkBodies: { encoding: string | undefined; contentType: string | undefined }[] = [];
  /** Documents to answer with 429 the first time they are seen. */
  const busyOnce = new Set<string>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const send = (status: number, body: string): void => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-elastic-product': 'Elasticsearch',
      });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/') {
      send(
        200,
        JSON.stringify(
          clusterInfo({ name: 'n1', clusterName: 'lw', clusterUuid: 'u-1', version: '8.19.0' }),
        ),
      );
    } else if (path === '/_license') {
      send(200, JSON.stringify(licenseInfo()));
    } else if (path === '/_cluster/health') {
      send(200, JSON.stringify(clusterHealth('lw')));
    } else if (path.endsWith('/_bulk')) {
      const encoding = request.headers['content-encoding'];
      bulkBodies.push({ encoding, contentType: request.headers['content-type'] });
      const text = (await decodeBody(Buffer.concat(chunks), encoding, 1 << 20)).toString('utf8');
      const urlIndex = path === '/_bulk' ? undefined : path.split('/')[1];
      const outcomes = parseBulk(text, urlIndex).items.map((item, n): BulkItemOutcome => {
        if (item.error !== undefined) return item;
        if (busyOnce.delete(item.record.raw)) return backpressureFailure(item, 'queue full');
        return { action: item.action, index: item.index, id: item.id ?? `gen-${n}` };
      });
      send(200, buildBulkResponse(outcomes, 1));
    } else {
      send(404, '{}');
    }
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new Client({ node: `http://127.0.0.1:${port}`, compression: true });
  });

  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects and reads the cluster info, licence and health', async () => {
    const info = await client.info();
    expect(info.version.number).toBe('8.19.0');
    expect(info.tagline).toBe('You Know, for Search');
    expect((await client.license.get()).license).toMatchObject({ type: 'basic', status: 'active' });
    expect((await client.cluster.health()).status).toBe('green');
  });

  it('sends a gzip bulk request and reads per-item results, failures included', async () => {
    const result = await client.bulk({
      operations: [
        { create: { _index: 'app', _id: 'a1' } },
        { message: 'first' },
        { index: { _index: 'app' } },
        { message: 'second' },
        { delete: { _index: 'app', _id: 'a1' } },
      ],
    });
    expect(bulkBodies.at(-1)).toEqual({
      encoding: 'gzip',
      contentType: 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
    });
    expect(result.errors).toBe(true);
    expect(result.items.map((item) => Object.keys(item)[0])).toEqual(['create', 'index', 'delete']);
    expect(result.items[0].create).toMatchObject({ _id: 'a1', status: 201, result: 'created' });
    expect(result.items[1].index).toMatchObject({ _id: 'gen-1', status: 201 });
    expect(result.items[2].delete).toMatchObject({
      status: 400,
      error: { type: 'illegal_argument_exception' },
    });
  });

  it('retries documents answered with 429 through the bulk helper, losing none', async () => {
    busyOnce.add('{"message":"b"}');
    const dropped: unknown[] = [];
    const stats = await client.helpers.bulk({
      datasource: [{ message: 'a' }, { message: 'b' }, { message: 'c' }],
      onDocument: () => ({ create: { _index: 'retry-test' } }),
      onDrop: (doc) => dropped.push(doc),
      wait: 10,
      retries: 2,
    });
    expect(dropped).toEqual([]);
    expect(stats).toMatchObject({ total: 3, successful: 3, failed: 0 });
    expect(busyOnce.size).toBe(0);
  });
});
