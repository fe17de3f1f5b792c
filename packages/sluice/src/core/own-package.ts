/**
 * sluice's own package folder (the one with its package.json), found from this module's location:
 * the same answer from src/ (tests), from dist/ (bundled chunks at dist/'s top) and once installed.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function packageFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, "package.json")) && dirname(folder) !== folder) {
    folder = dirname(folder);
  }
  return folder;
}

export const OWN_PACKAGE = packageFolder();
