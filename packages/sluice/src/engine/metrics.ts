/**
 * Run metrics: numbers a step records with `ctx.metric(name, value)`, and the numeric fields of an
 * output tagged with `metrics()` (nested objects flatten to dotted names, one level down at most).
 */
import { SluiceError } from "../core/index.js";
import type { MetricRecord } from "../store/index.js";

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/;

/** A checked metric record; a bad name or a value that is not a finite number is the step's error. */
export function metricRecord(
  runId: string,
  step: string,
  name: unknown,
  value: unknown,
): MetricRecord {
  if (typeof name !== "string" || !METRIC_NAME.test(name)) {
    throw new SluiceError(
      "invalid-usage",
      `step "${step}": ctx.metric(${JSON.stringify(name)}, ...) needs a name of letters, digits, _ . : / - (starting with a letter or _), like "accuracy" or "val/loss".`,
      { step },
    );
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SluiceError(
      "invalid-usage",
      `step "${step}": metric "${name}" must be a finite number, got ${typeof value === "number" ? String(value) : typeof value}.`,
      { step },
    );
  }
  return { runId, step, name, value, time: Date.now() };
}

/** The metrics a `metrics()` output holds: its finite numeric fields, and those of objects one level down. */
export function metricsOfOutput(runId: string, step: string, value: unknown): MetricRecord[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const time = Date.now();
  const found: MetricRecord[] = [];
  const visit = (object: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, field] of Object.entries(object)) {
      const name = prefix + key;
      if (typeof field === "number" && Number.isFinite(field) && METRIC_NAME.test(name))
        found.push({ runId, step, name, value: field, time });
      else if (depth === 0 && typeof field === "object" && field !== null && !Array.isArray(field))
        visit(field as Record<string, unknown>, `${name}.`, 1);
    }
  };
  visit(value as Record<string, unknown>, "", 0);
  return found;
}
