// One graphile-worker process for bench/graphile.mjs: runs no-op jobs from the schema it is given
// until it is sent SIGTERM; says "ready" once it runs. Arguments: connection string, schema, concurrency.
import { Logger, run } from "graphile-worker";

const [connectionString, schema, concurrency] = process.argv.slice(2);
const runner = await run({
  connectionString,
  schema,
  concurrency: Number(concurrency),
  noHandleSignals: true,
  pollInterval: 1000,
  taskList: { noop: async () => {} },
  logger: new Logger(() => () => {}),
});
process.send?.("ready");
process.once("SIGTERM", () => void runner.stop());
await runner.promise;
