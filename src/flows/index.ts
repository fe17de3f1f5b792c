/** Flows: pipelines registered under a name in a project, with versions (see shared/DESIGN.md). */
export { flowDefinition } from "./definition.js";
export type { FlowDefinition, FlowStep } from "./definition.js";
