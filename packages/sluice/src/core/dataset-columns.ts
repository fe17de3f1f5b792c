/** The columns of a dataset step's output, as a step derives them before running (DuckDB recipes). */

/** A dataset column as the catalog records it. */
export interface DatasetColumn {
  readonly name: string;
  readonly type: string;
}

/** Derives a step's output columns from its inputs' (undefined where not known yet); see StepOptions.deriveColumns. */
export type DeriveColumns = (
  inputs: Readonly<Record<string, readonly DatasetColumn[] | undefined>>,
) => Promise<readonly DatasetColumn[] | undefined>;
