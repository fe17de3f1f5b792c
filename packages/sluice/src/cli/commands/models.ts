/**
 * `sluice models list | show NAME [VERSION] | promote NAME VERSION --stage S | load NAME[@STAGE|@VERSION]`:
 * the model registry, here or on a server (--server). A promotion is recorded with who made it: the
 * API key's name on a server, the local user here.
 */
import { userInfo } from "node:os";
import type { wire } from "@sluice/client";
import { decodeValue } from "../../artifacts/index.js";
import { formatDuration } from "../../engine/index.js";
import {
  DEFAULT_PROJECT,
  MODEL_STAGES,
  type ModelRecord,
  type ModelStage,
} from "../../store/index.js";
import { findModelOrFail, openHome, parseModelRef } from "../../runtime/index.js";
import { EXIT, usageError } from "../exit.js";
import { remote, remoteProject, type RemoteOptions } from "../remote.js";
import { table } from "../table.js";
import { writeFileAtomically } from "../write-file.js";

interface ModelsOptions extends RemoteOptions {
  home?: string;
  json?: boolean;
}

/** A model as the CLI shows it, local or from a server: times as milliseconds. */
type Shown = Omit<ModelRecord, "createdAt" | "promotions"> & {
  createdAt: number;
  promotions: Array<{ stage: ModelStage; by: string; at: number }>;
};

function fromWire(model: wire.Model): Shown {
  return {
    ...model,
    createdAt: Date.parse(model.createdAt),
    promotions: model.promotions.map((p) => ({ ...p, at: Date.parse(p.at) })),
  } as Shown;
}

async function withRegistry<T>(
  options: ModelsOptions,
  local: (home: Awaited<ReturnType<typeof openHome>>, project: string) => Promise<T>,
): Promise<T> {
  const home = await openHome(options.home, { recover: false });
  try {
    return await local(home, options.project ?? DEFAULT_PROJECT);
  } finally {
    home.close();
  }
}

export async function modelsListCommand(options: ModelsOptions): Promise<number> {
  const server = await remoteProject(options);
  const models: Shown[] = server
    ? (await remote(() => server.models.list())).map(fromWire)
    : await withRegistry(options, (home, project) => home.models.listModels(project));
  if (options.json) return printJson({ models });
  if (models.length === 0) {
    process.stdout.write(
      "No models registered. A step's output tagged model() is registered when its run succeeds.\n",
    );
    return EXIT.ok;
  }
  process.stdout.write(
    `${table(
      ["MODEL", "VERSION", "STAGE", "RUN", "METRICS", "CREATED"],
      models.map((m) => [
        m.name,
        m.version,
        m.stage ?? "-",
        m.runId,
        metricsText(m.metrics),
        `${formatDuration(Date.now() - m.createdAt)} ago`,
      ]),
    )}\n`,
  );
  return EXIT.ok;
}

export async function modelsShowCommand(
  name: string,
  version: string | undefined,
  options: ModelsOptions,
): Promise<number> {
  const { which } = parseModelRef(version === undefined ? name : `${name}@${version}`);
  const model = await findOne(name, which, options);
  if (options.json) return printJson(model);
  const lines = [
    `Model ${model.name} version ${model.version}${model.stage ? ` (${model.stage})` : ""}`,
    `Made by run ${model.runId} (${model.pipeline}/${model.step}), definition ${model.flow.version} (${model.flow.hash.slice(0, 12)})`,
    `Artifact ${model.artifact.hash.slice(0, 12)} (${model.artifact.kind}, ${model.artifact.size} bytes)`,
    `Params ${JSON.stringify(model.params)}`,
    `Metrics ${metricsText(model.metrics) || "-"}`,
    `Inputs ${
      Object.entries(model.inputs)
        .map(([k, v]) => `${k} ${v.slice(0, 12)}`)
        .join(", ") || "-"
    }`,
    ...model.promotions.map(
      (p) => `Promoted to ${p.stage} by ${p.by} at ${new Date(p.at).toISOString()}`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

export async function modelsPromoteCommand(
  name: string,
  version: string,
  options: ModelsOptions & { stage?: string },
): Promise<number> {
  const stage = options.stage;
  if (!stage || !(MODEL_STAGES as readonly string[]).includes(stage))
    throw usageError(
      `--stage must be one of ${MODEL_STAGES.join(", ")}, got ${JSON.stringify(stage)}.`,
    );
  const server = await remoteProject(options);
  const promoted: Shown = server
    ? fromWire(await remote(() => server.model(name).promote(version, stage as ModelStage)))
    : await withRegistry(options, async (home, project) => {
        await findModelOrFail(home.models, project, name, { version });
        return (await home.models.promoteModel(project, name, version, {
          stage: stage as ModelStage,
          by: localUser(),
          at: Date.now(),
        }))!;
      });
  if (options.json) return printJson(promoted);
  process.stdout.write(`Model ${name} version ${version} is now in ${stage}.\n`);
  return EXIT.ok;
}

export async function modelsLoadCommand(
  ref: string,
  options: ModelsOptions & { out?: string },
): Promise<number> {
  const { name, which } = parseModelRef(ref);
  const server = await remoteProject(options);
  let bytes: Uint8Array | string;
  let value: unknown;
  let model: Shown;
  if (server) {
    model = await findOne(name, which, options);
    bytes = await remote(() => server.artifact(model.artifact.hash).download());
    value =
      model.artifact.kind === "json" ? JSON.parse(Buffer.from(bytes).toString("utf8")) : undefined;
  } else {
    [model, bytes, value] = await withRegistry(options, async (home, project) => {
      const found = await findModelOrFail(home.models, project, name, which);
      const encoded = await home.artifacts.get(found.artifact as never);
      if (!encoded)
        throw usageError(
          `Model ${name} version ${found.version}: its artifact ${found.artifact.hash.slice(0, 12)} is missing. Run ${found.pipeline} again.`,
        );
      return [
        found,
        encoded.kind === "json" ? encoded.text : encoded.bytes,
        await decodeValue(encoded),
      ] as const;
    });
  }
  if (options.out !== undefined) {
    writeFileAtomically(options.out, bytes);
    process.stderr.write(
      `wrote ${options.out}: model ${model.name} version ${model.version} (${model.artifact.kind}, ${model.artifact.size} bytes)\n`,
    );
    return EXIT.ok;
  }
  if (value === undefined || model.artifact.kind === "blob")
    throw usageError(
      `Model ${model.name} version ${model.version} is ${model.artifact.kind} data, not JSON: write it with --out FILE.`,
    );
  return printJson(value);
}

async function findOne(
  name: string,
  which: { version: string } | { stage: ModelStage },
  options: ModelsOptions,
): Promise<Shown> {
  const server = await remoteProject(options);
  if (server)
    return fromWire(
      await remote(() => server.model(name).get("version" in which ? which.version : which.stage)),
    );
  return withRegistry(options, (home, project) =>
    findModelOrFail(home.models, project, name, which),
  );
}

function metricsText(metrics: Record<string, Record<string, number>>): string {
  return Object.entries(metrics)
    .flatMap(([step, values]) =>
      Object.entries(values).map(
        ([name, value]) => `${step}.${name}=${Number(value.toPrecision(6))}`,
      ),
    )
    .join(" ");
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "local";
  }
}

function printJson(value: unknown): number {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT.ok;
}
