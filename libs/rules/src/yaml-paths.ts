import { isMap, isSeq, type LineCounter, type Node } from 'yaml';

/** Where a value sits in a YAML document: keys and list indexes from the root. */
export type FieldPath = (string | number)[];

/** `routes[0].channels[1]`, `threshold.count` */
export function formatFieldPath(path: FieldPath): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number'
        ? `${text}[${segment}]`
        : text === ''
          ? segment
          : `${text}.${segment}`,
    '',
  );
}

/** 1-based line where `node` starts. */
export function yamlLineOf(lines: LineCounter, node: Node | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The line of the deepest node on `path` that exists: the value itself, or its parent when missing. */
export function yamlLineAt(
  lines: LineCounter,
  root: Node | null,
  path: FieldPath,
): number | undefined {
  let node: Node | null = root;
  let line = yamlLineOf(lines, root);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => (item.key as { value?: unknown } | null)?.value === segment,
      );
      if (pair === undefined) break;
      line = yamlLineOf(lines, pair.key as Node) ?? line;
      node = pair.value as Node | null;
      line = yamlLineOf(lines, node) ?? line;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = (node.items[segment] as Node | undefined) ?? null;
      line = yamlLineOf(lines, node) ?? line;
    } else {
      break;
    }
  }
  return line;
}
