// The worker-thread executor (isolate: "thread") against the shared Executor contract.
import { ThreadExecutor } from "sluice";
import { describeExecutorConformance } from "./executor-conformance.js";

describeExecutorConformance("threads", (location) => new ThreadExecutor(location));
