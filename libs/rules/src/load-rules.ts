import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileProblem,
  parseRuleDocument,
  rejectDuplicateIds,
  type RuleSet,
} from './parse-rule-document';

const RULE_FILE = /\.ya?ml$/i;

/**
 * Loads every `*.yml`/`*.yaml` file under `dirs` (subdirectories included), in
 * directory order then file-name order, so the first definition of an id is always
 * the same one. Unreadable directories and files, and invalid rules, are reported in
 * `invalid`; nothing here throws.
 */
export function loadRules(dirs: string[]): RuleSet {
  const rules: RuleSet = { rules: [], invalid: [] };
  for (const dir of dirs) {
    let files: string[];
    try {
      files = ruleFiles(dir);
    } catch (error) {
      rules.invalid.push({
        file: dir,
        problems: [
          fileProblem(dir, undefined, `cannot read the rule directory (${errorText(error)})`),
        ],
      });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        rules.invalid.push({
          file,
          problems: [fileProblem(file, undefined, `cannot read the file (${errorText(error)})`)],
        });
        continue;
      }
      const parsed = parseRuleDocument(text, file);
      rules.rules.push(...parsed.rules);
      rules.invalid.push(...parsed.invalid);
    }
  }
  return rejectDuplicateIds(rules);
}

/**
 * Follows symbolic links, since Kubernetes mounts ConfigMap keys as links, and skips
 * hidden entries, which there hold a second copy of every file (`..data/`).
 */
function ruleFiles(dir: string): string[] {
  const files: string[] = [];
  const names = readdirSync(dir).sort();
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) files.push(...ruleFiles(path));
    else if (stats?.isFile() && RULE_FILE.test(name)) files.push(path);
  }
  return files;
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
