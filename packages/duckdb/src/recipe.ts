/**
 * What every recipe is: a sluice step whose body binds its inputs as DuckDB views, builds its SQL
 * from their columns, and writes the result as a Parquet dataset. Its code fingerprint covers the
 * recipe's definition (the SQL it builds is a function of the definition and the input columns), so
 * an unchanged recipe over unchanged inputs is reused, and an edited one runs again (`code-changed`).
 * Before anything runs, it derives its output columns from its inputs' columns (preview shows them);
 * a column it needs that its input lacks stops the preview or the run with exit 2.
 */
import { createHash } from "node:crypto";
import { step, type AnyStep, type DatasetColumn, type ParquetDataset, type Step } from "sluice";
import { withSession, type Session } from "./database.js";
import { bindColumns, bindInput, describe } from "./inputs.js";
import { verifyCheckColumns, type Check } from "./checks.js";
import { materialize, storable } from "./materialize.js";
import { literal } from "./sql-text.js";
import { explain } from "./errors.js";
import { duckColumns } from "./column-types.js";

/** The version of the SQL the recipes build: part of every recipe's fingerprint. */
const RECIPES_VERSION = "1";

/** Columns of each input, by input name. */
export type InputColumns = Readonly<Record<string, readonly DatasetColumn[]>>;

/** Options every recipe takes. */
export interface RecipeOptions {
  /** Checks on the output, run before it is stored; a failed one fails the step. */
  checks?: readonly Check[];
  description?: string;
}

export interface RecipeSpec extends RecipeOptions {
  /** The recipe's kind and options as JSON: what its fingerprint covers. */
  readonly definition: unknown;
  readonly inputs: Readonly<Record<string, AnyStep>>;
  /** The SELECT over the input views (named after the inputs); throws missingColumn for a bad reference. */
  readonly query: (columns: InputColumns) => string;
  /** false: the output's columns depend on the data (pivot without its categories), so preview cannot show them. */
  readonly derivable?: boolean;
}

export function recipeStep<const Name extends string>(
  name: Name,
  spec: RecipeSpec,
): Step<ParquetDataset, {}, Name> {
  const checks = spec.checks ?? [];
  const derivedBefore = new Map<string, Promise<readonly DatasetColumn[] | undefined>>();
  return step(name, {
    inputs: spec.inputs,
    version: `recipe ${RECIPES_VERSION} ${fingerprintOf(spec.definition, checks)}`,
    ...(spec.description ? { description: spec.description } : {}),
    deriveColumns: (known) => {
      // Planning a recipe again over the same input columns (every run plans) asks DuckDB once.
      const key = JSON.stringify(known);
      let derived = derivedBefore.get(key);
      if (!derived) {
        derived = deriveColumns(name, spec, known);
        derivedBefore.set(key, derived);
        derived.catch(() => derivedBefore.delete(key));
      }
      return derived;
    },
    run: (inputs: Record<string, unknown>) =>
      withSession(async (session) => {
        const columns: Record<string, DatasetColumn[]> = {};
        for (const input of Object.keys(spec.inputs))
          columns[input] = await bindInput(session, name, input, inputs[input]);
        const query = spec.query(columns);
        if (checks.length > 0)
          verifyCheckColumns(name, checks, await describe(session, query, name));
        return materialize(session, name, query, checks);
      }),
  }) as unknown as Step<ParquetDataset, {}, Name>;
}

/** The output's columns from the inputs' (undefined while one is unknown), as the Parquet file will give them. */
async function deriveColumns(
  name: string,
  spec: RecipeSpec,
  known: Readonly<Record<string, readonly DatasetColumn[] | undefined>>,
): Promise<readonly DatasetColumn[] | undefined> {
  const columns: Record<string, readonly DatasetColumn[]> = {};
  for (const input of Object.keys(spec.inputs)) {
    const given = known[input];
    if (!given) return undefined;
    columns[input] = duckColumns(given);
  }
  const query = spec.query(columns);
  if (spec.derivable === false) return undefined;
  return withSession(async (session) => {
    for (const [input, given] of Object.entries(columns))
      await bindColumns(session, name, input, given);
    const output = await roundTrip(session, name, query);
    verifyCheckColumns(name, spec.checks ?? [], output);
    return output;
  });
}

/** The columns of the query's rows once written to Parquet and read back (empty inputs: instant). */
async function roundTrip(session: Session, name: string, query: string): Promise<DatasetColumn[]> {
  const path = session.scratchFile("derived.parquet");
  try {
    await session.db.run(
      `COPY (${await storable(session, name, query)}) TO ${literal(path)} (FORMAT parquet)`,
    );
  } catch (error) {
    throw explain(error, name);
  }
  return describe(session, `SELECT * FROM read_parquet(${literal(path)})`, name);
}

function fingerprintOf(definition: unknown, checks: readonly Check[]): string {
  return createHash("sha256")
    .update(JSON.stringify({ definition, checks }))
    .digest("hex")
    .slice(0, 16);
}

/** Each input step by the name it has in the recipe's definition (the definition names steps, not objects). */
export function stepNames(inputs: Readonly<Record<string, AnyStep>>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, input.name]));
}
