/**
 * `sluice/internal`: the layers below the public API, for sluice's own packages (the server, the
 * Arazzo runner, and the stacks and recipes to come) that build on the engine. Not a public API:
 * these names may change in any release; user code imports "sluice".
 */
export * from "./core/index.js";
export * from "./loader/index.js";
export * from "./store/index.js";
export * from "./artifacts/index.js";
export * from "./planner/index.js";
export * from "./executors/index.js";
export * from "./engine/index.js";
export * from "./runtime/index.js";
export * from "./flows/index.js";
export * from "./cli/index.js";
export * from "./schedule/index.js";
