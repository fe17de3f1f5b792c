import { readFileSync } from "node:fs";

/** The sluice package's version (its package.json, one folder above dist/). */
export const SLUICE_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
