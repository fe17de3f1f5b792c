/** What the command modules of sluice's other packages (server, Arazzo) share with the CLI. */
export { EXIT, usageError } from "./exit.js";
export { cancelOnInterrupt } from "./interrupt.js";
export { collect, parseParamArgs, readJsonObjectOption } from "./param-args.js";
export { table } from "./table.js";
export { writeFileAtomically } from "./write-file.js";
