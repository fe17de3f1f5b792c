import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OWN_PACKAGE } from "../core/index.js";

/** The sluice package's version, from its package.json. */
export const SLUICE_VERSION = (
  JSON.parse(readFileSync(join(OWN_PACKAGE, "package.json"), "utf8")) as { version: string }
).version;
