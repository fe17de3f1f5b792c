/**
 * Scores the iris rows with the model in production: `registeredModel("iris")` is an input like any
 * other, read from the model registry on every run, so promoting another version reruns the scoring.
 *
 *   npx sluice run examples/iris/pipeline.ts                       # registers model "iris" version 1
 *   npx sluice models promote iris 1 --stage production
 *   npx sluice run examples/iris/score.ts
 */
import { metrics, pipeline, registeredModel, step } from "sluice";
import { RandomForestClassifier } from "ml-random-forest";
import { validate } from "./pipeline.js";

const SPECIES = ["setosa", "versicolor", "virginica"];

const production = registeredModel<RandomForestClassifier>("iris", {
  stage: "production",
  load: (stored) => RandomForestClassifier.load(stored as never),
});

export const score = step("score", {
  inputs: { model: production, rows: validate },
  run: ({ model, rows }) => {
    const predicted = model.predict(
      rows.map((r) => [r.sepal_length, r.sepal_width, r.petal_length, r.petal_width]),
    );
    const correct = predicted.filter((label, i) => SPECIES[label] === rows[i]!.species).length;
    return metrics({ accuracy: correct / rows.length, rows: rows.length });
  },
});

export default pipeline("iris-score", { steps: [score] });
