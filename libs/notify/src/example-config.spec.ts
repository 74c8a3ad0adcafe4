import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotifyConfig } from './notify-config';

describe('config/logwarden.example.yml', () => {
  it('is a valid configuration once its variables are set', () => {
    const file = join(__dirname, '..', '..', '..', 'config', 'logwarden.example.yml');
    const { config, problems } = parseNotifyConfig(readFileSync(file, 'utf8'), file, {
      SMTP_URL: 'smtp://mail.example.com:587',
      SLACK_WEBHOOK_PATH: 'T000/B000/XXXX',
      PAGERDUTY_ROUTING_KEY: 'R0UT1NGK3Y',
    });
    expect(problems).toEqual([]);
    expect(config.channels.map((channel) => channel.type)).toEqual(['email', 'slack', 'pagerduty']);
    expect(config.routes.map((route) => [route.name, route.channels])).toEqual([
      ['team', ['team-slack']],
      ['page', ['pager', 'oncall-email']],
    ]);
  });
});
