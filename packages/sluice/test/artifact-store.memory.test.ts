// The in-memory artifact store against the shared ArtifactStore contract.
import { MemoryArtifactStore } from "sluice";
import { describeArtifactStoreConformance } from "./artifact-store-conformance.js";

describeArtifactStoreConformance("in-memory", () => ({ artifacts: new MemoryArtifactStore() }));
