/** `sluice cancel RUN`: cancels a run on the stack's workers, from any machine. */
import pc from "picocolors";
import { SluiceError } from "../../core/index.js";
import { ownerName } from "../../engine/index.js";
import { homeStores, stackName } from "../../runtime/index.js";
import { EXIT } from "../exit.js";

export async function cancelCommand(runId: string, options: { home?: string }): Promise<number> {
  const stores = await homeStores(options.home, { recover: false });
  const run = await stores.runs.findRun(runId);
  if (!run)
    throw new SluiceError(
      "not-found",
      `No run ${runId} in ${await stackName(options.home)}. List runs with: sluice runs`,
    );
  if (run.status !== "running" && run.status !== "queued")
    throw new SluiceError(
      "conflict",
      `Run ${runId} has already ended (${run.status}); there is nothing to cancel.`,
    );
  if (run.executor !== "workers" || !stores.dispatcher)
    throw new SluiceError(
      "conflict",
      `Run ${runId} runs in one process (${ownerName(run)}), not on workers; cancel it there (Ctrl-C), or through the server that runs it.`,
    );
  if (!(await stores.dispatcher.cancel(runId)))
    throw new SluiceError("conflict", `Run ${runId} is no longer on the workers; it has ended.`);
  process.stderr.write(
    pc.dim(
      `Run ${runId} cancelled: steps not started are cancelled, running ones are stopped by their workers.\n`,
    ),
  );
  return EXIT.ok;
}
