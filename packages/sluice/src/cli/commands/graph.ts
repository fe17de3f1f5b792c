import type { PipelineGraph } from "../../core/index.js";
import { EXIT, usageError } from "../exit.js";
import { loadPipeline } from "../../runtime/index.js";

export interface GraphCommandOptions {
  pipeline?: string;
  format?: string;
  json?: boolean;
}

export async function graphCommand(file: string, options: GraphCommandOptions): Promise<number> {
  const format = options.json ? "json" : (options.format ?? "text");
  const render = FORMATS[format];
  if (!render)
    throw usageError(
      `--format must be one of ${Object.keys(FORMATS).join(", ")}; got "${format}".`,
    );
  const pipeline = await loadPipeline(file, options.pipeline);
  process.stdout.write(`${render(pipeline.graph())}\n`);
  return EXIT.ok;
}

const FORMATS: Record<string, (graph: PipelineGraph) => string> = {
  /** Steps in execution order; `deps` are all upstream steps, `after` those reached only through `after` (no data). */
  json: (graph) => {
    const paramsOf = new Map<string, string[]>();
    for (const [param, steps] of graph.params)
      for (const step of steps) paramsOf.set(step, [...(paramsOf.get(step) ?? []), param]);
    const steps = graph.nodes.map((node) => ({
      name: node.name,
      deps: [...node.depNames],
      after: node.deps
        .filter((dep) => node.afterOnly.has(dep))
        .map((dep) => graph.nodes[dep]!.name),
      params: paramsOf.get(node.name) ?? [],
    }));
    return JSON.stringify({ pipeline: graph.pipeline, steps }, null, 2);
  },
  text: (graph) => {
    const width = String(graph.nodes.length).length;
    const lines = [
      `Execution order of pipeline "${graph.pipeline}" (${graph.nodes.length} steps):`,
    ];
    for (const node of graph.nodes) {
      const deps = node.deps.map((dep) => graph.nodes[dep]!.name);
      lines.push(
        `${String(node.index + 1).padStart(width)}. ${node.name}${deps.length > 0 ? `  <- ${deps.join(", ")}` : ""}`,
      );
    }
    return lines.join("\n");
  },
  mermaid: (graph) => {
    const lines = ["flowchart TD"];
    for (const node of graph.nodes)
      lines.push(`  n${node.index}["${node.name.replace(/"/g, "#quot;")}"]`);
    for (const node of graph.nodes) {
      for (const dep of node.deps)
        lines.push(`  n${dep} ${node.afterOnly.has(dep) ? "-.->" : "-->"} n${node.index}`);
    }
    return lines.join("\n");
  },
  dot: (graph) => {
    const quote = (text: string) => `"${text.replace(/["\\]/g, "\\$&")}"`;
    const lines = [`digraph ${quote(graph.pipeline)} {`, "  rankdir=LR;", "  node [shape=box];"];
    for (const node of graph.nodes) lines.push(`  ${quote(node.name)};`);
    for (const node of graph.nodes) {
      for (const dep of node.deps)
        lines.push(
          `  ${quote(graph.nodes[dep]!.name)} -> ${quote(node.name)}${node.afterOnly.has(dep) ? " [style=dashed]" : ""};`,
        );
    }
    lines.push("}");
    return lines.join("\n");
  },
};
