import { LineCounter, isSeq, parseAllDocuments, type Node } from 'yaml';
import type { InvalidRule, Rule, RuleProblem } from './rule';
import { validateRule } from './validate-rule';
import { formatFieldPath, yamlLineAt, yamlLineOf, type FieldPath } from './yaml-paths';

export interface RuleSet {
  rules: Rule[];
  invalid: InvalidRule[];
}

/**
 * Reads one rule file's text: YAML (so also JSON) holding a rule, a list of rules, or
 * several `---` documents of either. Problems are returned, never thrown, and name
 * `fileName`, the line, the rule and the field.
 */
export function parseRuleDocument(text: string, fileName: string): RuleSet {
  const lines = new LineCounter();
  const result: RuleSet = { rules: [], invalid: [] };
  let index = 0;
  for (const document of parseAllDocuments(text, { lineCounter: lines })) {
    if (document.errors.length > 0) {
      result.invalid.push({
        file: fileName,
        line: document.errors[0].linePos?.[0].line,
        problems: document.errors.map((error) =>
          fileProblem(fileName, error.linePos?.[0].line, firstLine(error.message)),
        ),
      });
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const line = yamlLineOf(lines, document.contents);
      result.invalid.push({
        file: fileName,
        line,
        problems: [
          fileProblem(fileName, line, error instanceof Error ? error.message : String(error)),
        ],
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    const contents = document.contents;
    const entries: [unknown, Node | null][] = Array.isArray(value)
      ? value.map((item, i) => [item, isSeq(contents) ? (contents.items[i] as Node) : null])
      : [[value, contents]];
    for (const [raw, node] of entries) {
      const line = yamlLineOf(lines, node) ?? 1;
      const checked = validateRule(raw, { file: fileName, line });
      if (checked.ok) {
        result.rules.push(checked.rule);
      } else {
        result.invalid.push({
          file: fileName,
          line,
          id: checked.id,
          problems: checked.problems.map(({ path, reason }) =>
            ruleProblem(
              fileName,
              yamlLineAt(lines, node, path) ?? line,
              ruleLabel(checked.id, index),
              path,
              reason,
            ),
          ),
        });
      }
      index++;
    }
  }
  return rejectDuplicateIds(result);
}

/**
 * Keeps the first rule with each id and reports every later one, so a copied file
 * cannot disable a rule that was already running (files load in a fixed order).
 */
export function rejectDuplicateIds(set: RuleSet): RuleSet {
  const first = new Map<string, Rule>();
  const rules: Rule[] = [];
  const invalid = [...set.invalid];
  for (const rule of set.rules) {
    const original = first.get(rule.id);
    if (original === undefined) {
      first.set(rule.id, rule);
      rules.push(rule);
      continue;
    }
    const { file, line } = rule.source;
    invalid.push({
      file,
      line,
      id: rule.id,
      problems: [
        ruleProblem(
          file,
          line,
          ruleLabel(rule.id, 0),
          ['id'],
          `duplicates the rule defined at ${original.source.file}:${original.source.line}; ids must be unique`,
        ),
      ],
    });
  }
  return { rules, invalid };
}

export function fileProblem(file: string, line: number | undefined, reason: string): RuleProblem {
  return { field: '', reason, line, message: `${location(file, line)}: ${reason}` };
}

function ruleProblem(
  file: string,
  line: number,
  label: string,
  path: FieldPath,
  reason: string,
): RuleProblem {
  const field = formatFieldPath(path);
  const subject = field === '' ? reason : `${field} ${reason}`;
  return { field, reason, line, message: `${location(file, line)}: ${label}: ${subject}` };
}

function ruleLabel(id: string | undefined, index: number): string {
  return id === undefined ? `rule #${index + 1}` : `rule "${id}"`;
}

function location(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/** yaml's messages repeat the position and quote the source over several lines. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
