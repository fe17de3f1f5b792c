// The in-process executor against the shared Executor contract.
import { InProcessExecutor } from "sluice";
import { describeExecutorConformance } from "./executor-conformance.js";

describeExecutorConformance("in-process", () => new InProcessExecutor());
