// The in-memory store against the shared RunStore / CompletionStore contract.
import { MemoryStore } from "sluice";
import { describeStoreConformance } from "./store-conformance.js";

describeStoreConformance("in-memory", async () => {
  const store = new MemoryStore();
  return { runs: store, completions: store, catalog: store };
});
