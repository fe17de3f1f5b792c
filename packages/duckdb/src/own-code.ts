/** This package's own code (src/ or dist/): its frames are not the module that declares a step. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { declaringFolder } from "sluice/internal";

const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));
const OWN_CODE = [join(PACKAGE, "src"), join(PACKAGE, "dist")];

/** The folder of the module that called this package: relative paths are read from there. */
export function callerFolder(): string {
  return declaringFolder(OWN_CODE);
}
