/**
 * Checks on a dataset: row count bounds, no nulls, unique keys, accepted values, and any SQL
 * condition every row must meet. A check that fails fails the step with how many rows break it and
 * the first of them, before the output is stored.
 */
import { SluiceError } from "sluice";
import type { DatasetColumn } from "sluice";
import type { Session } from "./database.js";
import { missingColumn } from "./errors.js";
import { ident, valueLiteral } from "./sql-text.js";

export type Check =
  | { readonly check: "rowCount"; readonly min?: number; readonly max?: number }
  | { readonly check: "notNull"; readonly columns: readonly string[] }
  | { readonly check: "unique"; readonly columns: readonly string[] }
  | {
      readonly check: "acceptedValues";
      readonly column: string;
      readonly values: ReadonlyArray<string | number | boolean>;
    }
  | { readonly check: "assert"; readonly condition: string; readonly description?: string };

/** The row count is within bounds (inclusive). */
export function rowCount(bounds: { min?: number; max?: number }): Check {
  return { check: "rowCount", ...bounds };
}
/** None of these columns has a null. */
export function notNull(...columns: string[]): Check {
  return { check: "notNull", columns };
}
/** No two rows share these columns' values. */
export function unique(...columns: string[]): Check {
  return { check: "unique", columns };
}
/** Every non-null value of the column is one of these. */
export function acceptedValues(
  column: string,
  values: ReadonlyArray<string | number | boolean>,
): Check {
  return { check: "acceptedValues", column, values };
}
/** Every row meets this SQL condition, e.g. assertRows("amount >= 0", "amounts are not negative"). */
export function assertRows(condition: string, description?: string): Check {
  return { check: "assert", condition, ...(description ? { description } : {}) };
}

/** What a check is called in messages. */
function label(check: Check): string {
  switch (check.check) {
    case "rowCount":
      return `row count${check.min === undefined ? "" : ` >= ${check.min}`}${check.max === undefined ? "" : ` <= ${check.max}`}`;
    case "notNull":
      return `no nulls in ${check.columns.join(", ")}`;
    case "unique":
      return `unique ${check.columns.join(", ")}`;
    case "acceptedValues":
      return `${check.column} in (${check.values.map((v) => JSON.stringify(v)).join(", ")})`;
    case "assert":
      return check.description ?? check.condition;
  }
}

/** The columns a check names, for checking them before anything runs. */
export function checkedColumns(check: Check): readonly string[] {
  if (check.check === "notNull" || check.check === "unique") return check.columns;
  if (check.check === "acceptedValues") return [check.column];
  return [];
}

/** Refuses a check naming a column the dataset does not have. */
export function verifyCheckColumns(
  recipe: string,
  checks: readonly Check[],
  columns: readonly DatasetColumn[],
): void {
  for (const check of checks)
    for (const column of checkedColumns(check))
      if (!columns.some((c) => c.name === column))
        throw missingColumn(recipe, column, `the output of the check "${label(check)}"`, columns);
}

/** The rows that break a check (for rowCount, none: it is counted). */
function offending(check: Check, source: string): string | undefined {
  switch (check.check) {
    case "rowCount":
      return undefined;
    case "notNull":
      return `SELECT * FROM ${source} WHERE ${check.columns.map((c) => `${ident(c)} IS NULL`).join(" OR ")}`;
    case "unique": {
      const columns = check.columns.map(ident).join(", ");
      return `SELECT ${columns}, count(*) AS duplicates FROM ${source} GROUP BY ${columns} HAVING count(*) > 1`;
    }
    case "acceptedValues":
      return `SELECT * FROM ${source} WHERE ${ident(check.column)} IS NOT NULL AND ${ident(check.column)} NOT IN (${check.values.map(valueLiteral).join(", ")})`;
    case "assert":
      return `SELECT * FROM ${source} WHERE (${check.condition}) IS NOT TRUE`;
  }
}

const SHOWN_ROWS = 5;

export async function runChecks(
  session: Session,
  recipe: string,
  source: string,
  checks: readonly Check[],
): Promise<void> {
  for (const check of checks) {
    if (check.check === "rowCount") {
      const result = await session.db.runAndReadAll(`SELECT count(*) AS n FROM ${source}`);
      const rows = Number(result.getRowObjectsJson()[0]!["n"]);
      if (
        (check.min !== undefined && rows < check.min) ||
        (check.max !== undefined && rows > check.max)
      )
        throw new SluiceError(
          "output-invalid",
          `step "${recipe}": check "${label(check)}" failed: the output has ${rows} rows.`,
          { step: recipe, retryable: false, details: { check: label(check), rows } },
        );
      continue;
    }
    const query = offending(check, source)!;
    const counted = await session.db.runAndReadAll(`SELECT count(*) AS n FROM (${query})`);
    const count = Number(counted.getRowObjectsJson()[0]!["n"]);
    if (count === 0) continue;
    const first = (
      await session.db.runAndReadAll(`${query} LIMIT ${SHOWN_ROWS}`)
    ).getRowObjectsJson();
    const what = check.check === "unique" ? "duplicated keys" : "rows break it";
    throw new SluiceError(
      "output-invalid",
      `step "${recipe}": check "${label(check)}" failed: ${count} ${what}; the first ${Math.min(count, SHOWN_ROWS)}: ${first.map((row) => JSON.stringify(row)).join(", ")}`,
      { step: recipe, retryable: false, details: { check: label(check), count, rows: first } },
    );
  }
}
