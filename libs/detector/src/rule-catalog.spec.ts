import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@logwarden/config';
import { RuleCatalog } from './rule-catalog';

function rule(id: string, severity = 'low', extra = ''): string {
  return `- {id: ${id}, name: ${id}, category: availability, severity: ${severity}, type: match, filter: 'log.level:error'${extra}}\n`;
}

describe('RuleCatalog', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function dir(files: Record<string, string>): string {
    const path = mkdtempSync(join(tmpdir(), 'logwarden-rules-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
    dirs.push(path);
    return path;
  }

  it("lets the user's directory replace or disable a built-in rule by id", () => {
    const builtIn = dir({ 'pack.yml': rule('a') + rule('b') });
    const user = dir({ 'mine.yml': rule('a', 'low', ', enabled: false') + rule('c') });
    const catalog = new RuleCatalog({ ...loadConfig({}), rulesDirs: [builtIn, user] });

    expect(catalog.rules.map((r) => [r.id, r.enabled, r.source.file])).toEqual([
      ['a', false, join(user, 'mine.yml')],
      ['b', true, join(builtIn, 'pack.yml')],
      ['c', true, join(user, 'mine.yml')],
    ]);
    expect(catalog.enabled().map((r) => r.id)).toEqual(['b', 'c']);
    expect(catalog.invalid).toEqual([]);
  });

  it('still rejects a second rule with one id within a directory, and keeps the first', () => {
    const user = dir({ 'a.yml': rule('a'), 'b.yml': rule('a', 'high') });
    const catalog = new RuleCatalog({ ...loadConfig({}), rulesDirs: [user] });

    expect(catalog.get('a')?.severity).toBe('low');
    expect(catalog.invalid).toHaveLength(1);
    expect(catalog.invalid[0].problems[0].message).toContain('"a"');
  });
});
