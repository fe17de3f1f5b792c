/**
 * Aggregate + join, the Dataiku flow of the seed: two group recipes (independent, so they run in
 * parallel), then a join of their outputs with the patients into the training data. Every output's
 * schema is in the catalog (`sluice schema flow/step`), and preview shows it before anything runs.
 *
 *   npx sluice preview examples/recipes/aggregate-join.ts
 *   npx sluice run examples/recipes/aggregate-join.ts
 *   npx sluice schema ml_training_data/join_ML_TRAINING_DATA
 */
import { pipeline } from "sluice";
import {
  avg,
  count,
  countDistinct,
  group,
  join,
  max,
  notNull,
  readDataset,
  unique,
} from "@sluice/duckdb";

export const patients = readDataset("patients", { path: "data/patients.csv" });
export const labResults = readDataset("lab_results", { path: "data/lab_results.csv" });
export const clinicalNotes = readDataset("clinical_notes", { path: "data/clinical_notes.csv" });

export const labResultsAgg = group("group_LAB_RESULTS_AGG", {
  input: labResults,
  by: ["patient_id"],
  aggregations: {
    lab_tests: count(),
    distinct_tests: countDistinct("test"),
    mean_value: avg("value"),
    last_taken_on: max("taken_on"),
  },
});

export const clinicalNotesAgg = group("group_CLINICAL_NOTES_AGG", {
  input: clinicalNotes,
  by: ["patient_id"],
  aggregations: { notes: count(), mean_words: avg("words") },
});

const withLabs = join("join_PATIENT_LABS", {
  left: patients,
  right: labResultsAgg,
  on: "patient_id",
  type: "left",
});

export const trainingData = join("join_ML_TRAINING_DATA", {
  left: withLabs,
  right: clinicalNotesAgg,
  on: "patient_id",
  type: "left",
  checks: [unique("patient_id"), notNull("patient_id", "readmitted")],
});

export default pipeline("ml_training_data", { steps: [trainingData] });
