import { MemoryStore } from "sluice";
import { describeStoreConformance } from "./store-conformance.js";

describeStoreConformance("in-memory", () => {
  const store = new MemoryStore();
  return { runs: store, completions: store };
});
