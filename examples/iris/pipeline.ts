/**
 * A small real ML pipeline: load the iris CSV, validate it (fail fast on bad data), split it with a
 * seeded shuffle, train a random forest, evaluate it on the held-out rows and report the accuracy.
 *
 *   npx sluice run examples/iris/pipeline.ts
 *   npx sluice preview examples/iris/pipeline.ts --param trees=50
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { RandomForestClassifier } from "ml-random-forest";
import { metrics, model, pipeline, step } from "sluice";
import { z } from "zod";

const SPECIES = ["setosa", "versicolor", "virginica"] as const;
const FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"] as const;
const DEFAULT_FILE = fileURLToPath(new URL("./iris.csv", import.meta.url));

const measurement = z.number({ error: "must be a number" }).finite().positive({ error: "must be positive" });
const Row = z.object({
  sepal_length: measurement,
  sepal_width: measurement,
  petal_length: measurement,
  petal_width: measurement,
  species: z.enum(SPECIES, { error: `must be one of ${SPECIES.join(", ")}` }),
});
type Row = z.infer<typeof Row>;

/** Features as rows of numbers and labels as class indexes, the shape the model trains on. */
interface Split {
  features: number[][];
  labels: number[];
}

export const load = step("load", {
  params: { file: z.string().default(DEFAULT_FILE) },
  run: ({ params }) => {
    const rows = parse(readFileSync(params.file, "utf8"), { columns: true, cast: true, skip_empty_lines: true }) as Record<string, unknown>[];
    return { file: params.file, rows };
  },
});

export const validate = step("validate", {
  inputs: { load },
  run: ({ load }, ctx): Row[] => {
    const valid: Row[] = [];
    for (const [index, raw] of load.rows.entries()) {
      const result = Row.safeParse(raw);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const field = String(issue.path[0] ?? "row");
        // Line 1 is the header, so data row `index` sits on line index + 2.
        throw new Error(
          `${load.file}:${index + 2}: field "${field}" ${issue.message} (got ${JSON.stringify(raw[field])}). Fix that value in the file and run again.`,
        );
      }
      valid.push(result.data);
    }
    ctx.log(`${valid.length} rows valid`);
    return valid;
  },
});

export const split = step("split", {
  inputs: { rows: validate },
  params: { testFraction: z.number().gt(0).lt(1).default(0.3), seed: z.number().int().default(42) },
  run: ({ rows, params }) => {
    const random = mulberry32(params.seed);
    const shuffled = [...rows];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const testSize = Math.round(shuffled.length * params.testFraction);
    const toSplit = (part: Row[]): Split => ({
      features: part.map((row) => FEATURES.map((name) => row[name])),
      labels: part.map((row) => SPECIES.indexOf(row.species)),
    });
    return { test: toSplit(shuffled.slice(0, testSize)), train: toSplit(shuffled.slice(testSize)) };
  },
});

export const train = step("train", {
  inputs: { data: split.out("train") },
  params: { trees: z.number().int().positive().default(25), seed: z.number().int().default(42) },
  // The model is a class instance: store it through its own JSON form.
  serializer: {
    encode: (model: RandomForestClassifier) => model.toJSON(),
    decode: (stored) => RandomForestClassifier.load(stored as ReturnType<RandomForestClassifier["toJSON"]>),
  },
  run: ({ data, params }, ctx) => {
    const forest = new RandomForestClassifier({ seed: params.seed, maxFeatures: 0.8, replacement: true, nEstimators: params.trees });
    forest.train(data.features, data.labels);
    ctx.log(`trained ${params.trees} trees on ${data.labels.length} rows`);
    return model(forest);
  },
});

export const evaluate = step("evaluate", {
  inputs: { model: train, test: split.out("test") },
  run: ({ model, test }) => {
    const predicted = model.predict(test.features);
    const confusion = SPECIES.map(() => SPECIES.map(() => 0));
    let correct = 0;
    predicted.forEach((label, i) => {
      const actual = test.labels[i]!;
      confusion[actual]![label]!++;
      if (label === actual) correct++;
    });
    return metrics({ accuracy: correct / test.labels.length, confusion, n: test.labels.length });
  },
});

export const report = step("report", {
  inputs: { evaluation: evaluate },
  params: { trees: z.number().int().positive().default(25) },
  run: ({ evaluation, params }, ctx) => {
    const summary = { accuracy: Number(evaluation.accuracy.toFixed(4)), trees: params.trees, testSize: evaluation.n };
    ctx.log(`accuracy ${(summary.accuracy * 100).toFixed(1)}% on ${summary.testSize} held-out rows (${summary.trees} trees)`);
    return summary;
  },
});

export default pipeline("iris", { steps: [report] });

/** A small seeded PRNG, so that the split is the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
