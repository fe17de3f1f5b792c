/**
 * An ML pipeline: prepare -> aggregate -> join -> train, with the schema verified at each step.
 * The recipes' columns are derived before the run (preview shows them), the training step declares
 * the columns it needs (a missing one stops the run before anything runs, exit 2), and the training
 * data is split reproducibly.
 *
 *   npx sluice preview examples/recipes/ml-pipeline.ts
 *   npx sluice run examples/recipes/ml-pipeline.ts
 */
import { metrics, pipeline } from "sluice";
import { RandomForestClassifier } from "ml-random-forest";
import { cast, fillNull, prepare, split, tableStep } from "@sluice/duckdb";
import { trainingData } from "./aggregate-join.js";

const FEATURES = ["age", "lab_tests", "mean_value", "notes", "mean_words"] as const;

export const features = prepare("features", {
  input: trainingData,
  ops: [
    fillNull({ lab_tests: 0, mean_value: 0, notes: 0, mean_words: 0 }),
    cast({ age: "DOUBLE", lab_tests: "DOUBLE", notes: "DOUBLE" }),
  ],
});

export const [trainRows, testRows] = split("split", { input: features, ratio: 0.75, seed: 42 });

type Row = Record<string, unknown>;
const matrix = (rows: Row[]) => rows.map((row) => FEATURES.map((name) => Number(row[name])));
const labels = (rows: Row[]) => rows.map((row) => (row["readmitted"] === true ? 1 : 0));

export const train = tableStep("train", {
  inputs: { train: trainRows, test: testRows },
  expects: { train: [...FEATURES, "readmitted"], test: [...FEATURES, "readmitted"] },
  version: "1",
  run: ({ train, test }) => {
    const model = new RandomForestClassifier({ nEstimators: 25, seed: 3 });
    model.train(matrix(train), labels(train));
    const predicted = model.predict(matrix(test));
    const truth = labels(test);
    const correct = predicted.filter((label, i) => label === truth[i]).length;
    return metrics({
      accuracy: correct / truth.length,
      trainRows: train.length,
      testRows: test.length,
    });
  },
});

export default pipeline("readmission", { steps: [train] });
