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
// Resolved from this module, so the default works whatever the working directory is.
const DEFAULT_FILE = fileURLToPath(new URL("./iris.csv", import.meta.url));

// zod 4 numbers already reject NaN and Infinity, so this means "a positive finite number".
const measurement = z
  .number({ error: "must be a number" })
  .positive({ error: "must be a positive number" });
const Row = z.object({
  sepal_length: measurement,
  sepal_width: measurement,
  petal_length: measurement,
  petal_width: measurement,
  species: z.enum(SPECIES, { error: `must be one of ${SPECIES.join(", ")}` }),
});
type Row = z.infer<typeof Row>;

/** Features as rows of numbers and labels as class indexes: the shape the model trains on. */
interface Part {
  features: number[][];
  labels: number[];
  classes: string[];
}

export const load = step("load", {
  params: { file: z.string().default(DEFAULT_FILE) },
  // Always re-read: the cache key sees the path, not the content, so a file fixed in place would
  // otherwise be served stale. Steps downstream are still reused when the content is unchanged.
  cache: false,
  run: ({ params }) => {
    const records = parse<{ record: Record<string, unknown>; info: { lines: number } }>(
      readFileSync(params.file, "utf8"),
      {
        columns: true,
        cast: true,
        skip_empty_lines: true,
        info: true, // gives each record's line number, for error messages that point at the file
      },
    );
    return {
      file: params.file,
      rows: records.map(({ record, info }) => ({ line: info.lines, values: record })),
    };
  },
});

export const validate = step("validate", {
  inputs: { load },
  version: "1", // the fingerprint sees only this body: bump when the Row schema changes
  run: ({ load }, ctx): Row[] => {
    if (load.rows.length === 0)
      throw new Error(`${load.file} has no data rows. Add rows below the header line.`);
    const valid: Row[] = [];
    for (const { line, values } of load.rows) {
      const result = Row.safeParse(values);
      if (!result.success) {
        // Fail fast on the first bad value: one precise message beats a model trained on bad data.
        const issue = result.error.issues[0]!;
        const field = String(issue.path[0] ?? "row");
        const where = `${load.file}, line ${line}, field "${field}"`;
        if (values[field] === undefined)
          throw new Error(
            `${where} is missing. Add a "${field}" column to the header (line 1) and run again.`,
          );
        throw new Error(
          `${where}: ${issue.message}, got ${JSON.stringify(values[field])}. Fix that value in the file and run again.`,
        );
      }
      valid.push(result.data);
    }
    ctx.log(`${valid.length} rows valid`);
    return valid;
  },
});

export const split = step("split", {
  params: { testFraction: z.number().gt(0).lt(1).default(0.3), seed: z.number().int().default(42) },
  inputs: { rows: validate },
  version: "1", // bump when mulberry32 changes: the fingerprint cannot see helpers
  run: ({ rows, params }) => {
    const random = mulberry32(params.seed);
    const shuffled = [...rows];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    // Stratified: each species gets the same share of the test set, so accuracy is not skewed by luck.
    const train: Row[] = [];
    const test: Row[] = [];
    for (const species of SPECIES) {
      const group = shuffled.filter((row) => row.species === species);
      const testSize = Math.round(group.length * params.testFraction);
      test.push(...group.slice(0, testSize));
      train.push(...group.slice(testSize));
    }
    const toPart = (part: Row[]): Part => ({
      features: part.map((row) => FEATURES.map((name) => row[name])),
      labels: part.map((row) => SPECIES.indexOf(row.species)),
      classes: [...SPECIES],
    });
    return { train: toPart(train), test: toPart(test) };
  },
});

export const train = step("train", {
  // Bounds the model library needs (a 32-bit seed) or that keep a run short, checked before anything runs.
  params: {
    trees: z.number().int().min(1).max(1000).default(25),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  },
  inputs: { train: split.out("train") },
  run: ({ train: data, params }, ctx) => {
    // noOOB: out-of-bag estimates are not used here, and with few trees some rows would have none (the library then throws).
    const forest = new RandomForestClassifier({
      seed: params.seed,
      maxFeatures: 0.8,
      replacement: true,
      nEstimators: params.trees,
      noOOB: true,
    });
    forest.train(data.features, data.labels);
    ctx.log(`trained ${params.trees} trees on ${data.labels.length} rows`);
    // Tagged as a model: listed by `sluice datasets`, and registered as "iris" when the run succeeds.
    return model(forest, { name: "iris" });
  },
  // The model is a class instance, not plain data: store it as its own JSON form and load it back.
  serializer: {
    encode: (model) => model.toJSON(),
    decode: (stored) =>
      RandomForestClassifier.load(stored as ReturnType<RandomForestClassifier["toJSON"]>),
  },
});

export const evaluate = step("evaluate", {
  inputs: { model: train, test: split.out("test") },
  run: ({ model, test }) => {
    const predicted = model.predict(test.features);
    // confusion[actual][predicted], rows and columns in the order of test.classes.
    const confusion = test.classes.map(() => test.classes.map(() => 0));
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
  // Same name as train's param, so it receives the same value and can say how many trees were used.
  params: { trees: z.number().int().min(1).max(1000).default(25) },
  inputs: { evaluation: evaluate },
  run: ({ evaluation, params }, ctx) => {
    const summary = {
      accuracy: Number(evaluation.accuracy.toFixed(4)),
      trees: params.trees,
      testSize: evaluation.n,
    };
    ctx.log(
      `accuracy ${(summary.accuracy * 100).toFixed(1)}% on ${summary.testSize} held-out rows (${summary.trees} trees)`,
    );
    return summary;
  },
});

export default pipeline("iris", { version: "1.0.0", steps: [report] });

/** A tiny seeded PRNG (mulberry32), so the split is the same on every run and machine. */
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
