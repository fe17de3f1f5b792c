/** Planner: what a run will do and why, from the graph, the params and what the store holds. */
export { cacheKeyOf, inputHashOf, planRun } from "./plan.js";
export type { Plan, PlanOptions, PlannedStep } from "./plan.js";
export { formatTree } from "./tree.js";
export type { TreeItem } from "./tree.js";
