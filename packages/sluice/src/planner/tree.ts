/** A node of a dependency tree to print: its label and the names of what it depends on. */
export interface TreeItem {
  readonly name: string;
  readonly label: string;
  readonly deps: readonly string[];
}

const MAX_INDENT_LEVELS = 40;

/**
 * Prints a dependency tree as d6tflow's preview does: each final step, then what it needs below it,
 * indented. A step needed by several others is printed in full once and referred to after that.
 * Iterative, and indentation stops growing past 40 levels, so long chains stay readable.
 */
export function formatTree(items: readonly TreeItem[]): string {
  const byName = new Map(items.map((item) => [item.name, item]));
  const needed = new Set<string>();
  for (const item of items) for (const dep of item.deps) needed.add(dep);
  const roots = items.filter((item) => !needed.has(item.name));
  const lines: string[] = [];
  const printed = new Set<string>();
  const stack: Array<{ name: string; depth: number }> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ name: roots[i]!.name, depth: 0 });
  while (stack.length > 0) {
    const { name, depth } = stack.pop()!;
    const item = byName.get(name)!;
    const level = Math.min(depth, MAX_INDENT_LEVELS);
    const prefix = `${"   ".repeat(level)}└─--`;
    const depthNote = depth > MAX_INDENT_LEVELS ? ` (depth ${depth})` : "";
    if (printed.has(name)) {
      lines.push(`${prefix}[${name} (see above)]${depthNote}`);
      continue;
    }
    printed.add(name);
    lines.push(`${prefix}[${item.label}]${depthNote}`);
    for (let i = item.deps.length - 1; i >= 0; i--) {
      const dep = item.deps[i]!;
      if (byName.has(dep)) stack.push({ name: dep, depth: depth + 1 });
    }
  }
  return lines.join("\n");
}
