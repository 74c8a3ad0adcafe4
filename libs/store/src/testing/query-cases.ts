/**
 * The query-language table every event store is held to: the SQLite compiler, the
 * Elasticsearch compiler and a real Elasticsearch must all match exactly what the
 * in-memory matcher matches on these events.
 */

export type QueryEvent = Record<string, unknown>;

function event(id: string, timestamp: string, fields: QueryEvent): QueryEvent {
  return {
    '@timestamp': timestamp,
    tenant: 'acme',
    ...fields,
    event: { id, ...(fields.event as QueryEvent) },
  };
}

const at = (minute: number) => `2024-05-01T10:${String(minute).padStart(2, '0')}:00Z`;

/**
 * Events of tenant `acme` built to catch disagreements: numbers next to numeric strings,
 * booleans next to "true", arrays, nulls, objects where values are expected, a dotted
 * key, non-ASCII text, a message that is not a string, offsets in `@timestamp`.
 */
export const QUERY_EVENTS: QueryEvent[] = [
  event('e1', at(0), {
    message: 'Connection refused: connect to 10.0.0.1:5432 failed',
    container: { name: 'api', privileged: false },
    host: { name: 'node-1' },
    service: { name: 'checkout' },
    log: { level: 'error' },
    event: { dataset: 'app.log', outcome: 'failure' },
    http: { response: { status_code: 503 } },
    user: { name: 'admin' },
    source: { ip: '10.0.0.1' },
    tags: ['prod', 'eu-west-1'],
    network: { bytes: 1500 },
    version: '1.10.0',
  }),
  event('e2', at(1), {
    message: 'user=admin login failed (invalid password)',
    container: { name: 'auth' },
    host: { name: 'node-1' },
    service: { name: 'auth' },
    log: { level: 'warn' },
    event: { dataset: 'auth.audit', outcome: 'failure' },
    http: { response: { status_code: '401' } },
    user: { name: 'Admin' },
    source: { ip: '10.0.0.12' },
    tags: ['prod'],
    network: { bytes: '2048' },
    version: '1.9.3',
  }),
  event('e3', at(2), {
    message: 'GET /api/v1/login HTTP/1.1 401',
    container: { name: 'nginx', privileged: true },
    host: { name: 'node-2' },
    log: { level: 'info' },
    http: { response: { status_code: 401 } },
    url: { path: '/api/v1/login' },
    user: { name: 'administrator' },
    source: { ip: '192.168.1.5' },
    tags: [],
    network: { bytes: 1e6 },
  }),
  event('e4', at(3), {
    message: 'OOMKilled: container api exceeded memory',
    container: { name: 'api', privileged: 'true' },
    host: { name: 'node-2' },
    log: { level: 'fatal' },
    process: { pid: 1234 },
    network: { bytes: -5 },
    labels: { team: 'core', app: 'api' },
  }),
  event('e5', at(4), {
    message: 'error: disk-full on /dev/sda1',
    host: { name: 'node-3' },
    log: { level: 'error' },
    process: { pid: '1234' },
    user: { name: ['alice', 'root'] },
    tags: [null],
    network: { bytes: '1.5e3' },
  }),
  event('e6', at(5), {
    message: 'Error ERROR error',
    log: { level: 'ERROR' },
    event: { outcome: null },
    http: { response: { status_code: 404 } },
    process: { pid: 1234.5 },
    network: { bytes: '12345678901234567890' },
    tags: ['a*b'],
  }),
  event('e7', at(6), {
    message: 'prefix tokens: errors erroring',
    service: { name: 'billing' },
    http: { response: { status_code: '404' } },
    items: [{ name: 'x' }],
    user: { name: 'bob' },
  }),
  event('e8', at(7), {
    message: 'foo-bar baz',
    http: { response: { status_code: 200 } },
    tags: ['prod', 'us-east-1'],
    version: '2.0.0',
  }),
  event('e9', at(8), {
    message: 'foo bar-baz',
    http: { response: { status_code: '200.0' } },
  }),
  event('e10', at(9), {
    message: 'Café naïve ÉCOLE',
    user: { name: 'José' },
    version: '1.10.0-beta',
  }),
  event('e11', at(10), {
    message: 'Привет мир',
    container: { name: 'api-gateway' },
    host: { name: 'node-10' },
  }),
  event('e12', at(11), {
    container: { name: 'api' },
    log: { level: 'debug' },
    event: { outcome: 'success' },
    http: { response: { status_code: 500 }, request: { method: 'POST' } },
  }),
  event('e13', at(12), {
    message: 42,
    container: { name: 'worker' },
    log: { level: 'info' },
    user: { name: null },
  }),
  event('e14', '2024-05-02T00:00:00Z', {
    message: 'Failed password for root from 203.0.113.9 port 22 ssh2',
    service: { name: 'sshd' },
    log: { level: 'warn' },
    event: { dataset: 'system.auth', outcome: 'failure' },
    source: { ip: '203.0.113.9', port: 22 },
    user: { name: 'root' },
    tags: ['prod'],
  }),
  event('e15', '2024-04-30T23:59:59.999Z', {
    message: 'audit: forbidden pods/exec by system:anonymous',
    event: { dataset: 'kubernetes.audit' },
    user: { name: 'system:anonymous' },
    http: { response: { status_code: 403 } },
    tags: ['k8s'],
  }),
  event('e16', '2024-05-01T12:00:00+02:00', {
    message: 'shell spawned in container /bin/sh -c id',
    container: { name: 'api', privileged: true },
    process: { name: 'sh', command_line: '/bin/sh -c id' },
  }),
  event('e17', at(13), {
    message: 'UPPER lower MiXeD',
    labels: 'flat-string',
    'dotted.key': 'v',
  }),
  event('e18', at(14), {
    message: 'timeout after 30s; retry 3/5',
    http: { response: { status_code: '0404' } },
    network: { bytes: 0 },
  }),
  event('e19', at(15), {
    message: 'a-b-c d',
    tags: ['x', 'y', 'z'],
    version: '10.0.0',
  }),
  event('e20', at(16), {
    message: 'emoji 😀 test',
    user: { name: '😀user' },
  }),
];

const ALL_IDS = QUERY_EVENTS.map((e) => (e.event as QueryEvent).id as string);
const except = (...ids: string[]) => ALL_IDS.filter((id) => !ids.includes(id));
/** The `now` every query of the table is parsed with. */
export const QUERY_NOW = Date.parse('2024-05-02T00:00:00Z');

/** [query, the ids of `QUERY_EVENTS` it must match, in table order]: the semantics every store shares. */
export const QUERY_CASES: [string, string[]][] = [
  ['', ALL_IDS],
  ['*', ALL_IDS],
  ['NOT *', []],
  // Promoted keyword columns: exact, case-sensitive; wildcards anchored.
  ['container.name:api', ['e1', 'e4', 'e12', 'e16']],
  ['container.name:API', []],
  ['container.name:api*', ['e1', 'e4', 'e11', 'e12', 'e16']],
  ['host.name:node-1*', ['e1', 'e2', 'e11']],
  ['host.name:node-?', ['e1', 'e2', 'e3', 'e4', 'e5']],
  ['log.level:error', ['e1', 'e5']],
  ['log.level:error AND container.name:api', ['e1']],
  ['event.dataset:auth.audit', ['e2']],
  ['event.id:e3', ['e3']],
  ['service.name:*', ['e1', 'e2', 'e7', 'e14']],
  ['NOT container.name:api', except('e1', 'e4', 'e12', 'e16')],
  // Numbers against numbers and numeric strings; quoted values stay strings.
  ['http.response.status_code:404', ['e6', 'e7', 'e18']],
  ['http.response.status_code:"404"', ['e6', 'e7']],
  ['http.response.status_code:200', ['e8', 'e9']],
  ['http.response.status_code:[400 TO 499]', ['e2', 'e3', 'e6', 'e7', 'e15', 'e18']],
  ['http.response.status_code:{401 TO 404}', ['e15']],
  ['http.response.status_code:>=500', ['e1', 'e12']],
  ['http.response.status_code:<300', ['e8', 'e9']],
  ['network.bytes:>1000', ['e1', 'e2', 'e3']],
  ['network.bytes:<0', ['e4']],
  ['network.bytes:[0 TO 1500]', ['e1', 'e18']],
  ['network.bytes:{* TO 0}', ['e4']],
  ['network.bytes:12345678901234567890', ['e6']],
  ['process.pid:1234', ['e4', 'e5']],
  ['process.pid:1234.5', ['e6']],
  ['source.port:22', ['e14']],
  // Booleans against booleans and "true"/"false".
  ['container.privileged:true', ['e3', 'e4', 'e16']],
  ['container.privileged:"true"', ['e3', 'e4', 'e16']],
  ['container.privileged:false', ['e1']],
  // Keyword fields in the JSON document: exact, case-sensitive, arrays match any element.
  ['user.name:admin', ['e1']],
  ['user.name:adm*', ['e1', 'e3']],
  ['user.name:?dmin', ['e1', 'e2']],
  ['user.name:root', ['e5', 'e14']],
  ['user.name:system:anonymous', ['e15']],
  ['user.name:"system:anonymous"', ['e15']],
  ['user.name:😀*', ['e20']],
  ['user.name:*', ['e1', 'e2', 'e3', 'e5', 'e7', 'e10', 'e14', 'e15', 'e20']],
  ['NOT user.name:*', except('e1', 'e2', 'e3', 'e5', 'e7', 'e10', 'e14', 'e15', 'e20')],
  ['tags:prod', ['e1', 'e2', 'e8', 'e14']],
  ['NOT tags:prod', except('e1', 'e2', 'e8', 'e14')],
  ['tags:*', ['e1', 'e2', 'e6', 'e8', 'e14', 'e15', 'e19']],
  ['tags:a\\*b', ['e6']],
  ['tags:a*b', ['e6']],
  ['tags:eu-*', ['e1']],
  ['source.ip:10.0.0.1', ['e1']],
  ['source.ip:10.0.0.*', ['e1', 'e2']],
  ['source.ip:10.0.0.?', ['e1']],
  ['url.path:"/api/v1/login"', ['e3']],
  ['url.path:/api/v1/*', ['e3']],
  ['http.request.method:POST', ['e12']],
  ['process.command_line:"/bin/sh -c id"', ['e16']],
  ['event.outcome:failure', ['e1', 'e2', 'e14']],
  ['NOT event.outcome:failure', except('e1', 'e2', 'e14')],
  ['event.outcome:*', ['e1', 'e2', 'e12', 'e14']],
  // Objects are not values; arrays are not traversed; dots always mean nesting.
  ['labels:core', []],
  ['labels.team:core', ['e4']],
  ['labels:*', ['e4', 'e17']],
  ['items.name:x', []],
  ['dotted.key:v', []],
  // String ranges compare by code point.
  ['version:[1.10.0 TO 2.0.0]', ['e1', 'e2', 'e8', 'e10', 'e19']],
  ['version:>"1.9"', ['e2', 'e8', 'e19']],
  ['version:>1.9', []],
  // Full text on message: case-insensitive tokens, prefixes, phrases, punctuation.
  ['refused', ['e1']],
  ['REFUSED', ['e1']],
  ['connect*', ['e1']],
  ['err*', ['e5', 'e6', 'e7']],
  ['error', ['e5', 'e6']],
  ['"login failed"', ['e2']],
  ['"failed login"', []],
  ['foo-bar', ['e8', 'e9']],
  ['"bar baz"', ['e8', 'e9']],
  ['foo-ba*', ['e8', 'e9']],
  ['"baz foo"', []],
  ['cafe ECOLE', ['e10']],
  ['naïve', ['e10']],
  ['привет', ['e11']],
  ['message:api', ['e3', 'e4']],
  ['message:*', except('e12')],
  ['10.0.0.1', ['e1']],
  ['"30s" retry 3/5', ['e18']],
  ['a-b-c', ['e19']],
  ['emoji', ['e20']],
  ['42', []],
  ['NOT refused', except('e1')],
  // Boolean structure and precedence.
  ['api AND NOT container.name:api', ['e3']],
  ['(log.level:error OR log.level:warn) AND NOT service.name:auth', ['e1', 'e5', 'e14']],
  ['log.level:error OR log.level:warn AND service.name:sshd', ['e1', 'e5', 'e14']],
  ['-log.level:error -log.level:warn', except('e1', 'e2', 'e5', 'e14')],
  ['failed OR refused OR forbidden', ['e1', 'e2', 'e14', 'e15']],
  ['NOT (tags:prod OR tags:k8s) AND tags:*', ['e6', 'e19']],
  [
    'user.name:root OR (container.name:api AND NOT log.level:error)',
    ['e4', 'e5', 'e12', 'e14', 'e16'],
  ],
  // Field groups: the field applied to every value in the group.
  ['log.level:(error OR warn)', ['e1', 'e2', 'e5', 'e14']],
  ['NOT log.level:(error OR warn)', except('e1', 'e2', 'e5', 'e14')],
  ['host.name:(node-? AND NOT (node-1 OR node-3))', ['e3', 'e4']],
  ['user.name:(root OR admin)', ['e1', 'e5', 'e14']],
  ['user.name:(adm* AND NOT admin)', ['e3']],
  ['tags:(prod eu-west-1)', ['e1']],
  ['tags:(prod -eu-west-1)', ['e2', 'e8', 'e14']],
  ['http.response.status_code:(401 OR 403)', ['e2', 'e3', 'e15']],
  [
    'http.response.status_code:([400 TO 403] OR >=500 OR 200)',
    ['e1', 'e2', 'e3', 'e8', 'e9', 'e12', 'e15'],
  ],
  ['network.bytes:({* TO 0} OR [1500 TO 2048])', ['e1', 'e2', 'e4']],
  ['container.privileged:(true OR false)', ['e1', 'e3', 'e4', 'e16']],
  ['source.ip:(10.0.0.* OR "203.0.113.9")', ['e1', 'e2', 'e14']],
  ['service.name:* AND NOT service.name:(auth OR sshd)', ['e1', 'e7']],
  ['message:("login failed" OR refus*)', ['e1', 'e2']],
  ['message:(connection AND (refused OR timeout))', ['e1']],
  ['log.level:error OR user.name:(root OR admin) AND tags:prod', ['e1', 'e5', 'e14']],
  ['@timestamp:(<2024-05-01 OR "2024-05-01T12:00:00+02:00")', ['e1', 'e15', 'e16']],
  // Event time as epoch milliseconds, with offsets and date math.
  [
    '@timestamp:[2024-05-01T10:00:00Z TO 2024-05-01T10:05:00Z]',
    ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e16'],
  ],
  ['@timestamp:<2024-05-01', ['e15']],
  ['@timestamp:>=now-1d', except('e15')],
  ['@timestamp:[now-1d/d TO now-1d/d]', except('e14', 'e15')],
  ['@timestamp:"2024-05-01T12:00:00+02:00"', ['e1', 'e16']],
  ['container.name:api AND @timestamp:>2024-05-01T10:01:00Z', ['e4', 'e12']],
];

/** Leaves the random queries are built from: one of each kind of node and of value type. */
const RANDOM_LEAVES = [
  'container.name:api',
  'log.level:error',
  'log.level:warn',
  'user.name:root',
  'user.name:adm*',
  'tags:prod',
  'tags:*',
  'http.response.status_code:404',
  'http.response.status_code:[400 TO 499]',
  'network.bytes:>1000',
  'process.pid:1234',
  'container.privileged:true',
  'event.outcome:*',
  'version:>1.9',
  'labels.team:core',
  'failed',
  'err*',
  '"login failed"',
  'foo-bar',
  'api',
  '@timestamp:>=2024-05-01T10:05:00Z',
  'source.ip:10.0.0.*',
  'message:*',
  'host.name:node-?',
  'log.level:(error OR warn)',
  'user.name:(root OR adm*)',
  'http.response.status_code:([400 TO 403] OR 200)',
  'tags:(prod -eu-west-1)',
  'message:("login failed" OR err*)',
];

/**
 * `count` random queries of up to three levels of AND, OR, NOT and groups over the leaves
 * above; the same seed gives the same queries on every platform.
 */
export function randomQueries(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const build = (depth: number): string => {
    if (depth === 0 || random() < 0.3) return (random() < 0.25 ? 'NOT ' : '') + pick(RANDOM_LEAVES);
    const parts = Array.from({ length: 2 + Math.floor(random() * 3) }, () => build(depth - 1));
    const joined = parts.join(pick([' AND ', ' OR ', ' ']));
    return random() < 0.3 ? `NOT (${joined})` : `(${joined})`;
  };
  return Array.from({ length: count }, () => build(3));
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
