import { isIP } from 'node:net';
import { Doc, fillField, readField, setField } from '../fields';
import { formatTimestamp, parseTimestamp } from '../timestamp';

/**
 * NCSA common / combined log format as nginx and Apache write it by default;
 * anything after the user agent (custom nginx fields) is ignored. Quoted
 * fields allow `\"` escapes (Apache; nginx writes `\x22`).
 */
const ACCESS_LINE =
  /^(\S+) \S+ (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const REQUEST_LINE = /^([A-Z]+) (\S+)(?: HTTP\/(\d(?:\.\d)?))?$/;

/** Where a hint naming the web server can be found on an event shipped from a container or a file. */
const SERVER_HINT_FIELDS = [
  'container.image.name',
  'container.name',
  'kubernetes.container.name',
  'service.name',
  'process.name',
  'log.file.path',
];

/** Maps an nginx / Apache access line; returns false when `line` is not one. */
export function parseAccessLog(doc: Doc, line: string, referenceMs: number): boolean {
  if (line.indexOf('] "') === -1) return false;
  const m = ACCESS_LINE.exec(line);
  if (m === null) return false;
  const [, client, user, time, request, status, bytes, referrer, agent] = m;
  setField(doc, 'source.address', client);
  if (isIP(client) !== 0) setField(doc, 'source.ip', client);
  if (user !== '-') setField(doc, 'user.name', user);
  const ms = parseTimestamp(time, referenceMs);
  if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);
  const req = REQUEST_LINE.exec(request);
  if (req !== null) {
    setField(doc, 'http.request.method', req[1]);
    setUrl(doc, req[2]);
    if (req[3] !== undefined) setField(doc, 'http.version', req[3]);
  }
  const code = Number(status);
  setField(doc, 'http.response.status_code', code);
  if (bytes !== '-') setField(doc, 'http.response.body.bytes', Number(bytes));
  if (referrer !== undefined && referrer !== '-') setField(doc, 'http.request.referrer', referrer);
  if (agent !== undefined && agent !== '-') setField(doc, 'user_agent.original', agent);
  setField(doc, 'event.category', ['web']);
  setField(doc, 'event.type', ['access']);
  setField(doc, 'event.outcome', code < 400 ? 'success' : 'failure');
  fillField(doc, 'event.dataset', serverDataset(doc));
  return true;
}

function setUrl(doc: Doc, target: string): void {
  setField(doc, 'url.original', target);
  const query = target.indexOf('?');
  setField(doc, 'url.path', query === -1 ? target : target.slice(0, query));
  if (query !== -1) setField(doc, 'url.query', target.slice(query + 1));
}

/** The access line itself cannot tell nginx from Apache; the container or file it came from can. */
function serverDataset(doc: Doc): string {
  for (const field of SERVER_HINT_FIELDS) {
    const value = readField(doc, field);
    if (typeof value !== 'string') continue;
    if (value.includes('nginx')) return 'nginx.access';
    if (value.includes('apache') || value.includes('httpd')) return 'apache.access';
  }
  return 'http.access';
}
