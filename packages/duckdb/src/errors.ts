/**
 * DuckDB's errors said in sluice's words: which file, line and column; which column does not exist
 * and which one was meant; what to do. Everything is a SluiceError, so the CLI exits 2 for input
 * problems found before a run and records the message on the step otherwise.
 */
import { SluiceError } from "sluice";
import { closest } from "sluice/internal";
import type { DatasetColumn } from "sluice";

/** "column "x" does not exist in input "orders" (its columns: ...). Did you mean "y"?" as a schema-mismatch. */
export function missingColumn(
  recipe: string,
  column: string,
  where: string,
  columns: readonly DatasetColumn[],
  what: "recipe" | "step" = "recipe",
): SluiceError {
  const names = columns.map((c) => c.name);
  const meant = closest(column, names);
  return new SluiceError(
    "schema-mismatch",
    `${what} "${recipe}": column "${column}" does not exist in ${where} (its columns: ${names.join(", ")}).${meant ? ` Did you mean "${meant}"?` : ""} Fix the column name in the ${what}, or the step that makes that input.`,
    {
      step: recipe,
      retryable: false,
      details: { column, ...(meant ? { didYouMean: meant } : {}) },
    },
  );
}

/**
 * A DuckDB error met while running or deriving a recipe, explained. `columns` are the columns of
 * the tables the SQL reads, for "did you mean".
 */
export function explain(
  error: unknown,
  recipe: string,
  columns: readonly DatasetColumn[] = [],
): SluiceError {
  if (error instanceof SluiceError) return error;
  const message = (error as Error)?.message ?? String(error);
  const csv = csvProblem(message, columns);
  if (csv)
    return new SluiceError("step-failed", `step "${recipe}": ${csv}`, {
      step: recipe,
      retryable: false,
      cause: error,
    });
  const unknown = /Referenced column "([^"]+)" not found/.exec(message);
  if (unknown) {
    const meant =
      /Candidate bindings: "([^"]+)"/.exec(message)?.[1] ??
      closest(
        unknown[1]!,
        columns.map((c) => c.name),
      );
    return new SluiceError(
      "schema-mismatch",
      `recipe "${recipe}": column "${unknown[1]}" does not exist in its input.${meant ? ` Did you mean "${meant.replace(/^.*\./, "")}"?` : ""} Fix the column name in the recipe's SQL.`,
      { step: recipe, retryable: false, details: { column: unknown[1] }, cause: error },
    );
  }
  if (/^Binder Error|^Parser Error|^Catalog Error/.test(message))
    return new SluiceError(
      "schema-mismatch",
      `recipe "${recipe}": DuckDB refused its SQL: ${firstLines(message)}`,
      { step: recipe, retryable: false, cause: error },
    );
  if (/^Conversion Error/.test(message))
    return new SluiceError(
      "step-failed",
      `recipe "${recipe}": a value does not convert: ${firstLines(message)}. Cast only columns whose every value converts (try_cast gives NULL instead), or clean the values first.`,
      { step: recipe, retryable: false, cause: error },
    );
  return new SluiceError("step-failed", `recipe "${recipe}": ${firstLines(message)}`, {
    step: recipe,
    cause: error,
  });
}

function firstLines(message: string): string {
  return message
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, 3)
    .join(" ")
    .trim();
}

/** A CSV reading error as "FILE, line N, column "c" (position P): what is wrong", or undefined. */
function csvProblem(message: string, columns: readonly DatasetColumn[]): string | undefined {
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  if (line === undefined) return undefined;
  const file = /^\s*file = (.+)$/m.exec(message)?.[1]?.trim() ?? "a CSV file";
  const converting = /Error when converting column "([^"]+)"\. (.+)$/m.exec(message);
  if (converting) {
    const column = converting[1]!;
    const position = columns.findIndex((c) => c.name === column) + 1;
    const type = columns.find((c) => c.name === column)?.type;
    return `${file}, line ${line}, column "${column}"${position > 0 ? ` (position ${position})` : ""}: ${converting[2]!.replace(/\.$/, "")}. Fix the value, or declare the column as text: schema: { ${JSON.stringify(column)}: "VARCHAR" }${type ? ` (it is read as ${type})` : ""}.`;
  }
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (fields)
    return `${file}, line ${line}: ${fields[2]} fields where the header has ${fields[1]} (column ${Number(fields[2]) + (Number(fields[2]) < Number(fields[1]) ? 1 : 0)} is ${Number(fields[2]) < Number(fields[1]) ? "missing" : "extra"}). Fix the line, or quote fields that contain the delimiter.`;
  const detail = message
    .split("\n")
    .find((l) => /error|unterminated|invalid/i.test(l) && !l.startsWith("CSV Error"));
  return `${file}, line ${line}: ${detail?.trim() ?? firstLines(message)}. Fix the line and run again.`;
}
