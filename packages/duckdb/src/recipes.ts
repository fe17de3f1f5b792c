/**
 * The recipes, as Dataiku names them: prepare, group, join, SQL, stack, split, sort, window, pivot,
 * sample and top, plus check. Each returns a step (see recipe.ts) that reads datasets and writes one.
 */
import { SluiceError, type AnyStep, type ParquetDataset, type Step } from "sluice";
import {
  aggregationSql,
  prepareSql,
  requireColumns,
  sortColumns,
  sortSql,
  windowSql,
  type Aggregation,
  type PrepareOp,
  type SortKey,
  type WindowFunction,
} from "./expressions.js";
import { recipeStep, stepNames, type RecipeOptions } from "./recipe.js";
import { ident, literal } from "./sql-text.js";

type Dataset<Name extends string> = Step<ParquetDataset, {}, Name>;

/** Cleans and transforms one dataset with operations applied in order (rename, cast, fillNull, filter, derive, dropColumns, dedupe). */
export function prepare<const Name extends string>(
  name: Name,
  options: RecipeOptions & { input: AnyStep; ops: readonly PrepareOp[] },
): Dataset<Name> {
  return recipeStep(name, {
    ...options,
    definition: { recipe: "prepare", input: options.input.name, ops: options.ops },
    inputs: { input: options.input },
    query: (columns) => prepareSql(name, "input", columns["input"]!, options.ops),
  });
}

/** Groups rows by key columns and aggregates: group("totals", { input, by: ["city"], aggregations: { total: sum("amount"), n: count() } }). Rows come out ordered by the keys. */
export function group<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    input: AnyStep;
    by: readonly string[];
    aggregations: Readonly<Record<string, Aggregation>>;
  },
): Dataset<Name> {
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "group",
      input: options.input.name,
      by: options.by,
      aggregations: options.aggregations,
    },
    inputs: { input: options.input },
    query: (columns) => {
      const input = columns["input"]!;
      requireColumns(name, options.by, input, `input "${options.input.name}"`);
      for (const a of Object.values(options.aggregations))
        if (a.column !== undefined)
          requireColumns(name, [a.column], input, `input "${options.input.name}"`);
      const keys = options.by.map(ident);
      const aggregates = Object.entries(options.aggregations).map(
        ([out, a]) => `${aggregationSql(a)} AS ${ident(out)}`,
      );
      return `SELECT ${[...keys, ...aggregates].join(", ")} FROM input${keys.length ? ` GROUP BY ${keys.join(", ")} ORDER BY ${keys.join(", ")}` : ""}`;
    },
  });
}

export type JoinKeys =
  string | readonly string[] | { readonly left: string; readonly right: string };

/**
 * Joins two datasets on key columns. Columns of the right that the left also has (other than the
 * keys) are suffixed with `suffix` ("_right"). Join keys must have the same type on both sides.
 */
export function join<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    left: AnyStep;
    right: AnyStep;
    on: JoinKeys;
    type?: "inner" | "left" | "full";
    suffix?: string;
  },
): Dataset<Name> {
  const type = options.type ?? "inner";
  const suffix = options.suffix ?? "_right";
  if (!["inner", "left", "full"].includes(type))
    throw new SluiceError(
      "invalid-pipeline",
      `recipe "${name}": type must be "inner", "left" or "full", got ${JSON.stringify(type)}.`,
      { step: name },
    );
  const pairs: Array<[string, string]> =
    typeof options.on === "string"
      ? [[options.on, options.on]]
      : Array.isArray(options.on)
        ? (options.on as string[]).map((k) => [k, k])
        : [[(options.on as { left: string }).left, (options.on as { right: string }).right]];
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "join",
      left: options.left.name,
      right: options.right.name,
      on: options.on,
      type,
      suffix,
    },
    inputs: { left: options.left, right: options.right },
    query: (columns) => {
      const left = columns["left"]!;
      const right = columns["right"]!;
      requireColumns(
        name,
        pairs.map((p) => p[0]),
        left,
        `the left input "${options.left.name}"`,
      );
      requireColumns(
        name,
        pairs.map((p) => p[1]),
        right,
        `the right input "${options.right.name}"`,
      );
      for (const [l, r] of pairs) {
        const lt = left.find((c) => c.name === l)!.type;
        const rt = right.find((c) => c.name === r)!.type;
        if (lt !== rt)
          throw new SluiceError(
            "schema-mismatch",
            `recipe "${name}": the join key "${l}" is ${lt} in "${options.left.name}" but "${r}" is ${rt} in "${options.right.name}". Cast one side first, e.g. prepare(..., { ops: [cast({ ${JSON.stringify(r)}: "${lt}" })] }).`,
            { step: name, retryable: false, details: { column: l, left: lt, right: rt } },
          );
      }
      const sameKeys = pairs.every(([l, r]) => l === r);
      const keyNames = new Set(pairs.map((p) => p[1]));
      const leftNames = new Set(left.map((c) => c.name));
      const rightPart = right
        .filter((c) => !(sameKeys && keyNames.has(c.name)))
        .map((c) => {
          const out = leftNames.has(c.name) ? `${c.name}${suffix}` : c.name;
          return `r.${ident(c.name)} AS ${ident(out)}`;
        });
      const keyless = left
        .filter((c) => !(sameKeys && keyNames.has(c.name)))
        .map((c) => `l.${ident(c.name)}`);
      // With shared key names, one key column each (as USING gives), coalesced for a full join.
      const keys = sameKeys
        ? pairs.map(([k]) =>
            type === "full"
              ? `coalesce(l.${ident(k)}, r.${ident(k)}) AS ${ident(k)}`
              : `l.${ident(k)}`,
          )
        : [];
      const on = pairs.map(([l, r]) => `l.${ident(l)} = r.${ident(r)}`).join(" AND ");
      return `SELECT ${[...keys, ...keyless, ...rightPart].join(", ")} FROM "left" AS l ${type.toUpperCase()} JOIN "right" AS r ON ${on}`;
    },
  });
}

/** Any SELECT over the inputs, which it names by their keys: sql("x", { inputs: { a, b }, query: "select ... from a join b using (id)" }). */
export function sql<const Name extends string>(
  name: Name,
  options: RecipeOptions & { inputs: Readonly<Record<string, AnyStep>>; query: string },
): Dataset<Name> {
  return recipeStep(name, {
    ...options,
    definition: { recipe: "sql", inputs: stepNames(options.inputs), query: options.query },
    inputs: options.inputs,
    query: () => options.query,
  });
}

/** Stacks datasets (UNION ALL), matching columns by name; a column missing from one is null there. */
export function stack<const Name extends string>(
  name: Name,
  options: RecipeOptions & { inputs: readonly AnyStep[] },
): Dataset<Name> {
  const inputs = Object.fromEntries(options.inputs.map((input, i) => [`input_${i}`, input]));
  return recipeStep(name, {
    ...options,
    definition: { recipe: "stack", inputs: options.inputs.map((i) => i.name) },
    inputs,
    query: () =>
      Object.keys(inputs)
        .map((key) => `SELECT * FROM ${key}`)
        .join(" UNION ALL BY NAME "),
  });
}

/** Sorts a dataset by keys: "column" or { column, descending: true }. */
export function sort<const Name extends string>(
  name: Name,
  options: RecipeOptions & { input: AnyStep; by: readonly SortKey[] },
): Dataset<Name> {
  return recipeStep(name, {
    ...options,
    definition: { recipe: "sort", input: options.input.name, by: options.by },
    inputs: { input: options.input },
    query: (columns) => {
      requireColumns(
        name,
        sortColumns(options.by),
        columns["input"]!,
        `input "${options.input.name}"`,
      );
      return `SELECT * FROM input ORDER BY ${sortSql(options.by)}`;
    },
  });
}

/** Adds window columns (rank, lag, running totals) computed per partition in an order. */
export function window<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    input: AnyStep;
    partitionBy?: readonly string[];
    orderBy: readonly SortKey[];
    columns: Readonly<Record<string, WindowFunction>>;
  },
): Dataset<Name> {
  const partition = options.partitionBy ?? [];
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "window",
      input: options.input.name,
      partitionBy: partition,
      orderBy: options.orderBy,
      columns: options.columns,
    },
    inputs: { input: options.input },
    query: (columns) => {
      const input = columns["input"]!;
      const where = `input "${options.input.name}"`;
      requireColumns(name, [...partition, ...sortColumns(options.orderBy)], input, where);
      for (const f of Object.values(options.columns))
        if (f.column !== undefined) requireColumns(name, [f.column], input, where);
      const over = `${partition.length ? `PARTITION BY ${partition.map(ident).join(", ")} ` : ""}ORDER BY ${sortSql(options.orderBy)}`;
      const added = Object.entries(options.columns).map(
        ([out, f]) => `${windowSql(f, over)} AS ${ident(out)}`,
      );
      const order = [...partition, ...options.orderBy] as SortKey[];
      return `SELECT *, ${added.join(", ")} FROM input ORDER BY ${sortSql(order)}`;
    },
  });
}

/**
 * Turns the values of one column into columns: pivot("by_month", { input, index: ["city"], on: "month",
 * value: sum("amount") }). Without `categories` the new columns depend on the data, so preview cannot show them.
 */
export function pivot<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    input: AnyStep;
    index: readonly string[];
    on: string;
    value: Aggregation;
    categories?: ReadonlyArray<string | number>;
  },
): Dataset<Name> {
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "pivot",
      input: options.input.name,
      index: options.index,
      on: options.on,
      value: options.value,
      categories: options.categories,
    },
    inputs: { input: options.input },
    derivable: options.categories !== undefined,
    query: (columns) => {
      const input = columns["input"]!;
      requireColumns(name, [...options.index, options.on], input, `input "${options.input.name}"`);
      if (options.value.column !== undefined)
        requireColumns(name, [options.value.column], input, `input "${options.input.name}"`);
      const on = options.categories
        ? `${ident(options.on)} IN (${options.categories.map((c) => (typeof c === "number" ? String(c) : literal(c))).join(", ")})`
        : ident(options.on);
      const index = options.index.map(ident).join(", ");
      return `SELECT * FROM (PIVOT input ON ${on} USING ${aggregationSql(options.value)}${index ? ` GROUP BY ${index}` : ""})${index ? ` ORDER BY ${index}` : ""}`;
    },
  });
}

/** A reproducible pseudo-random number in [0, 1) per row, from its values and a seed. */
function rowDraw(columns: readonly { name: string }[], seed: number): string {
  return `(hash(${[String(seed), ...columns.map((c) => ident(c.name))].join(", ")}) % 1000000) / 1000000.0`;
}

/**
 * Splits a dataset in two: by a SQL condition (`where`: rows meeting it go first), or at random by
 * `ratio` (reproducible: a row's side depends on its values and `seed`). Returns the two steps,
 * named `${name}_${names[0]}` and `${name}_${names[1]}` ("train" and "test" by default).
 */
export function split<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    input: AnyStep;
    where?: string;
    ratio?: number;
    seed?: number;
    names?: readonly [string, string];
  },
): [Dataset<string>, Dataset<string>] {
  const [first, second] = options.names ?? ["train", "test"];
  const seed = options.seed ?? 0;
  if ((options.where === undefined) === (options.ratio === undefined))
    throw new SluiceError(
      "invalid-pipeline",
      `recipe "${name}": give split either where (a SQL condition) or ratio (a share between 0 and 1).`,
      { step: name },
    );
  if (options.ratio !== undefined && !(options.ratio > 0 && options.ratio < 1))
    throw new SluiceError(
      "invalid-pipeline",
      `recipe "${name}": ratio must be between 0 and 1 (exclusive), got ${options.ratio}.`,
      { step: name },
    );
  const side = (wanted: boolean, part: string) =>
    recipeStep(`${name}_${part}`, {
      ...options,
      definition: {
        recipe: "split",
        input: options.input.name,
        where: options.where,
        ratio: options.ratio,
        seed,
        part: wanted,
      },
      inputs: { input: options.input },
      query: (columns) => {
        const condition = options.where ?? `${rowDraw(columns["input"]!, seed)} < ${options.ratio}`;
        return `SELECT * FROM input WHERE (${condition}) IS ${wanted ? "" : "NOT "}TRUE`;
      },
    });
  return [side(true, first), side(false, second)];
}

/** A reproducible sample: `rows` rows, or a `fraction` of them, chosen by the rows' values and `seed`. */
export function sample<const Name extends string>(
  name: Name,
  options: RecipeOptions & { input: AnyStep; rows?: number; fraction?: number; seed?: number },
): Dataset<Name> {
  const seed = options.seed ?? 0;
  if ((options.rows === undefined) === (options.fraction === undefined))
    throw new SluiceError(
      "invalid-pipeline",
      `recipe "${name}": give sample either rows (a count) or fraction (a share between 0 and 1).`,
      { step: name },
    );
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "sample",
      input: options.input.name,
      rows: options.rows,
      fraction: options.fraction,
      seed,
    },
    inputs: { input: options.input },
    query: (columns) => {
      const draw = rowDraw(columns["input"]!, seed);
      return options.rows !== undefined
        ? `SELECT * FROM input ORDER BY ${draw}, ${columns["input"]!.map((c) => ident(c.name)).join(", ")} LIMIT ${Math.floor(options.rows)}`
        : `SELECT * FROM input WHERE ${draw} < ${options.fraction}`;
    },
  });
}

/** The first `n` rows by sort keys, overall or per partition. */
export function top<const Name extends string>(
  name: Name,
  options: RecipeOptions & {
    input: AnyStep;
    by: readonly SortKey[];
    n: number;
    partitionBy?: readonly string[];
  },
): Dataset<Name> {
  const partition = options.partitionBy ?? [];
  return recipeStep(name, {
    ...options,
    definition: {
      recipe: "top",
      input: options.input.name,
      by: options.by,
      n: options.n,
      partitionBy: partition,
    },
    inputs: { input: options.input },
    query: (columns) => {
      requireColumns(
        name,
        [...partition, ...sortColumns(options.by)],
        columns["input"]!,
        `input "${options.input.name}"`,
      );
      if (partition.length === 0)
        return `SELECT * FROM input ORDER BY ${sortSql(options.by)} LIMIT ${Math.floor(options.n)}`;
      const keys = partition.map(ident).join(", ");
      return `SELECT * FROM input QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${sortSql(options.by)}) <= ${Math.floor(options.n)} ORDER BY ${keys}, ${sortSql(options.by)}`;
    },
  });
}

/** A step that only checks a dataset (its output is the same rows): check("orders_ok", { input, checks: [notNull("id")] }). */
export function check<const Name extends string>(
  name: Name,
  options: RecipeOptions & { input: AnyStep },
): Dataset<Name> {
  if (!options.checks?.length)
    throw new SluiceError(
      "invalid-pipeline",
      `recipe "${name}": check needs checks, e.g. checks: [notNull("id"), unique("id")].`,
      { step: name },
    );
  return recipeStep(name, {
    ...options,
    definition: { recipe: "check", input: options.input.name },
    inputs: { input: options.input },
    query: () => "SELECT * FROM input",
  });
}
