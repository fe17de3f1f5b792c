// Compile-time checks of the typed client (npm run lint type-checks this folder against dist).
import {
  SluiceClient,
  type LightStatus,
  type RunDetail,
  type TriggerResponse,
} from "sluice/client";

const client = new SluiceClient({ baseUrl: "http://127.0.0.1:8080", apiKey: "k" });
const flow = client.project("demo").flow("training");

export async function checks(): Promise<void> {
  const job: RunDetail = await flow.run({ params: { lr: 0.1 }, wait: true, noFail: true });
  const status: "queued" | "running" | "succeeded" | "failed" | "cancelled" = job.status;
  const firstStep: string | undefined = job.firstFailure?.step;
  const started: TriggerResponse = await flow.run({ params: {} });
  const created: boolean = started.created;
  const light: LightStatus = await client.project("demo").runs.light(started.runId);
  const running: boolean = light.running;
  // @ts-expect-error a waited-for run is the full status, which has no `created`
  (await flow.run({ wait: true })).created;
  // @ts-expect-error run statuses are a closed set
  const wrong: "done" = job.status;
  // @ts-expect-error list filters take a known status
  await client.project("demo").runs.list({ status: "done" });
  void [status, firstStep, created, running, wrong];
}
