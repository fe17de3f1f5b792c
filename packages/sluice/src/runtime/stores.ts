import { MemoryArtifactStore } from "../artifacts/index.js";
import { recoverCrashedRuns, type Stores } from "../engine/index.js";
import {
  MemoryLimitStore,
  MemoryModelRegistry,
  MemoryNotificationStore,
  MemoryStore,
} from "../store/index.js";
import { openStack } from "./home.js";
import { resolveStack } from "./stack.js";

/** A fresh set of in-memory stores: runs, completions and artifacts live as long as this object. */
export function memoryStores(): Stores {
  const store = new MemoryStore();
  return {
    runs: store,
    completions: store,
    artifacts: new MemoryArtifactStore(),
    catalog: store,
    triggers: store,
    limits: new MemoryLimitStore(),
    notifications: new MemoryNotificationStore(),
    models: new MemoryModelRegistry(),
  };
}

const homes = new Map<string, Promise<Stores>>();
const recovered = new Map<string, Promise<unknown>>();

/**
 * The stores of a sluice home or stack (stack.ts says which), opened once per process. Unless
 * `recover` is false (read-only commands, which show dead runs as crashed without writing), runs whose
 * owner died are first recorded as crashed.
 */
export async function homeStores(
  home?: string,
  { recover = true }: { recover?: boolean } = {},
): Promise<Stores> {
  const target = await resolveStack(home);
  const path = target.kind === "home" ? target.path : target.url;
  let opening = homes.get(path);
  if (!opening) {
    opening = openStack(target, { recover: false }).then((opened) => opened.stores);
    opening.catch(() => homes.delete(path));
    homes.set(path, opening);
  }
  const stores = await opening;
  if (recover) {
    let recovery = recovered.get(path);
    if (!recovery) recovered.set(path, (recovery = recoverCrashedRuns(stores.runs)));
    await recovery;
  }
  return stores;
}
