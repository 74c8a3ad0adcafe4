import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from './load-rules';

const rule = (id: string, overrides: Record<string, string> = {}) => {
  const fields = {
    id,
    name: id,
    category: 'availability',
    severity: 'low',
    type: 'match',
    filter: 'a:1',
  };
  const entries = Object.entries({ ...fields, ...overrides }).map(
    ([key, value]) => `${key}: '${value}'`,
  );
  return `- {${entries.join(', ')}}\n`;
};

describe('loadRules', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'rules-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('loads every .yml and .yaml file of each directory and its subdirectories, in name order', () => {
    write('builtin/b.yaml', rule('b'));
    write('builtin/a.yml', rule('a1') + rule('a2'));
    write('builtin/k8s/c.YML', rule('c'));
    write('builtin/notes.txt', rule('not-a-rule'));
    write('builtin/.hidden.yml', rule('hidden'));
    write('custom/d.yml', rule('d'));
    const { rules, invalid } = loadRules([join(root, 'builtin'), join(root, 'custom')]);
    expect(invalid).toEqual([]);
    expect(rules.map((r) => r.id)).toEqual(['a1', 'a2', 'b', 'c', 'd']);
    expect(rules[3].source.file).toBe(join(root, 'builtin/k8s/c.YML'));
  });

  it('follows symbolic links, as in a Kubernetes ConfigMap mount, without loading the hidden copies', () => {
    write('mount/..data/ssh.yml', rule('ssh'));
    symlinkSync(join(root, 'mount/..data/ssh.yml'), join(root, 'mount/ssh.yml'));
    expect(loadRules([join(root, 'mount')]).rules.map((r) => r.id)).toEqual(['ssh']);
  });

  it('keeps the first directory’s rule when a later file repeats its id, and reports the later one', () => {
    write('builtin/ssh.yml', rule('ssh-brute-force'));
    write('custom/copy.yml', rule('other') + rule('ssh-brute-force', { severity: 'critical' }));
    const { rules, invalid } = loadRules([join(root, 'builtin'), join(root, 'custom')]);
    expect(rules.map((r) => [r.id, r.source.file])).toEqual([
      ['ssh-brute-force', join(root, 'builtin/ssh.yml')],
      ['other', join(root, 'custom/copy.yml')],
    ]);
    expect(invalid.map((r) => r.problems[0].message)).toEqual([
      `${join(root, 'custom/copy.yml')}:2: rule "ssh-brute-force": id duplicates the rule defined at ${join(root, 'builtin/ssh.yml')}:1; ids must be unique`,
    ]);
  });

  it('reports a missing directory and broken files without losing the good ones', () => {
    write('rules/good.yml', rule('good'));
    write('rules/broken.yml', 'id: [\n');
    write('rules/bad.yml', rule('bad', { type: 'sometimes' }));
    const { rules, invalid } = loadRules([join(root, 'missing'), join(root, 'rules')]);
    expect(rules.map((r) => r.id)).toEqual(['good']);
    expect(invalid.map((r) => r.problems[0].message)).toEqual([
      `${join(root, 'missing')}: cannot read the rule directory (ENOENT)`,
      expect.stringContaining(`${join(root, 'rules/bad.yml')}:1: rule "bad": type must be one of`),
      expect.stringMatching(new RegExp(`^${join(root, 'rules/broken.yml')}:2: `)),
    ]);
  });
});
