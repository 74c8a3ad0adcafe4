import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningLogwarden, startLogwarden, freePort } from './support/logwarden';
import { call, search } from './support/http';

const RSYSLOGD = '/usr/sbin/rsyslogd';
// CI installs Debian's rsyslog (.ci/run); elsewhere the suite runs where it is installed.
const available = existsSync(RSYSLOGD) || process.env.CI === 'true';

/** rsyslog receiving syslog over TCP and shipping it with omelasticsearch, as a user would set it up. */
function rsyslogConfig(
  dir: string,
  syslogPort: number,
  logwardenPort: number,
  id: string,
  secret: string,
): string {
  return `
global(workDirectory="${dir}")
module(load="imtcp")
module(load="omelasticsearch")
input(type="imtcp" port="${syslogPort}" address="127.0.0.1" ruleset="toLogwarden")
template(name="ecs" type="list" option.json="on") {
  constant(value="{\\"@timestamp\\":\\"") property(name="timereported" dateFormat="rfc3339")
  constant(value="\\",\\"message\\":\\"") property(name="msg")
  constant(value="\\",\\"host\\":{\\"name\\":\\"") property(name="hostname")
  constant(value="\\"}}")
}
ruleset(name="toLogwarden") {
  action(type="omelasticsearch" server="127.0.0.1" serverport="${logwardenPort}" template="ecs"
         searchIndex="rsyslog" bulkmode="on" uid="${id}" pwd="${secret}" esVersion.major="8")
}
`;
}

(available ? describe : describe.skip)(
  'rsyslog omelasticsearch (Debian rsyslog-elasticsearch)',
  () => {
    let server: RunningLogwarden;
    let rsyslog: ChildProcess | undefined;
    let dir: string;

    beforeAll(async () => {
      server = await startLogwarden();
      dir = mkdtempSync(join(tmpdir(), 'logwarden-rsyslog-'));
    });
    afterAll(async () => {
      rsyslog?.kill('SIGKILL');
      await server.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('ships sshd lines, RFC 5424 and BSD (RFC 3164), through the Elasticsearch bulk API with Basic auth, parsed and searchable', async () => {
      const created = await call(server.url, '/api/v1/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'rsyslog', roles: ['ingest'] }),
      });
      const [id, secret] = Buffer.from(created.body.encoded, 'base64').toString().split(':');
      const syslogPort = await freePort();
      const conf = join(dir, 'rsyslog.conf');
      writeFileSync(
        conf,
        rsyslogConfig(dir, syslogPort, Number(new URL(server.url).port), id, secret),
      );
      rsyslog = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslog.pid')], {
        stdio: 'ignore',
      });

      // logger sends RFC 5424 unless told otherwise; rsyslog's msg of an RFC 3164 line keeps
      // the space after `sshd[pid]:`, and the template ships msg as it is.
      const send = (ip: string, format = '--rfc5424') =>
        execFileSync('logger', [
          '-n',
          '127.0.0.1',
          '-P',
          String(syslogPort),
          '-T',
          format,
          '-t',
          'sshd',
          '--id=4121',
          `Failed password for invalid user oracle from ${ip} port 52814 ssh2`,
        ]);
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          send('45.33.12.9');
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      send('45.33.12.10');
      send('45.33.12.11', '--rfc3164');

      let hits: any[] = [];
      for (let attempt = 0; attempt < 100 && hits.length < 3; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        hits = (await search(server.url, { q: 'user.name:oracle AND event.outcome:failure' })).body
          .hits;
      }
      expect(hits.map((event) => event.source.ip).sort()).toEqual([
        '45.33.12.10',
        '45.33.12.11',
        '45.33.12.9',
      ]);
      expect(hits[0]).toMatchObject({
        event: { dataset: 'rsyslog', action: 'ssh_login' },
        observer: { ingest: { protocol: 'elasticsearch' } },
      });
      const bsd = hits.find((event) => event.source.ip === '45.33.12.11');
      expect(bsd).toMatchObject({
        message: ' Failed password for invalid user oracle from 45.33.12.11 port 52814 ssh2',
        user: { name: 'oracle' },
        source: { port: 52814 },
        event: { outcome: 'failure', action: 'ssh_login' },
      });
    });
  },
);
