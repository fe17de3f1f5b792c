// The file artifact store (files under a folder, indexed by the SQLite store's artifact rows) against
// the shared ArtifactStore contract; its hash checks on damaged files are in corruption.test.ts.
import { join } from "node:path";
import { FileArtifactStore, SqliteStore } from "sluice";
import { describeArtifactStoreConformance } from "./artifact-store-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeArtifactStoreConformance("files", () => {
  const home = tempDir("sluice-artifacts-");
  const index = SqliteStore.open(join(home, "sluice.db"));
  return {
    artifacts: new FileArtifactStore(join(home, "artifacts"), index),
    close: () => index.close(),
  };
});

// Files only, no index: a folder machines share beside a shared database.
describeArtifactStoreConformance("files only", () => ({
  artifacts: FileArtifactStore.filesOnly(join(tempDir("sluice-artifacts-"), "artifacts")),
}));
