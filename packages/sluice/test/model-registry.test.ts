// The memory and SQLite model registries against the shared contract (PostgreSQL's: roles.postgres.test.ts).
import { join } from "node:path";
import { MemoryModelRegistry, openSqliteRoles } from "sluice/internal";
import { describeModelRegistryConformance } from "./model-registry-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeModelRegistryConformance("memory", () => ({
  models: new MemoryModelRegistry(),
  close: () => undefined,
}));

describeModelRegistryConformance("sqlite", () => {
  const path = join(tempDir("sluice-models-"), "sluice.db");
  const roles = openSqliteRoles(path);
  const other = openSqliteRoles(path);
  return {
    models: roles.models,
    second: other.models,
    close: () => [roles, other].forEach((r) => r.close()),
  };
});
