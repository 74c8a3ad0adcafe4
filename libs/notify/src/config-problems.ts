import type { LineCounter, Node } from 'yaml';
import { formatFieldPath, yamlLineAt, type FieldPath } from '@logwarden/rules';

export type { FieldPath };

/**
 * Collects the problems of one configuration file as `file:line: field: reason`, at most one
 * per field: a field whose `${VAR}` could not be expanded is not also reported as missing.
 */
export class ConfigProblems {
  private readonly entries: { line: number; message: string }[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly lines?: LineCounter,
    private readonly root?: Node | null,
  ) {}

  add(path: FieldPath, reason: string): void {
    const field = formatFieldPath(path);
    if (field !== '' && this.reported.has(field)) return;
    this.reported.add(field);
    const line = this.lineOf(path);
    const location = line === undefined ? this.file : `${this.file}:${line}`;
    this.entries.push({
      line: line ?? Infinity,
      message: field === '' ? `${location}: ${reason}` : `${location}: ${field}: ${reason}`,
    });
  }

  /** A problem of the file as a whole, with no line to point at. */
  addToFile(reason: string): void {
    this.entries.push({ line: Infinity, message: `${this.file}: ${reason}` });
  }

  /** In file order, so they read top to bottom like the file; problems of the whole file last. */
  get messages(): string[] {
    return [...this.entries].sort((a, b) => a.line - b.line).map((entry) => entry.message);
  }

  /** Whether the value at `path`, or anything inside it, has a problem. */
  hasAny(path: FieldPath): boolean {
    const field = formatFieldPath(path);
    for (const reported of this.reported) {
      if (
        reported === field ||
        reported.startsWith(`${field}.`) ||
        reported.startsWith(`${field}[`)
      ) {
        return true;
      }
    }
    return false;
  }

  /** 1-based line of the value at `path`, for messages that point back at it. */
  lineOf(path: FieldPath): number | undefined {
    return this.lines === undefined ? undefined : yamlLineAt(this.lines, this.root ?? null, path);
  }
}
