/**
 * SQLite as a sync target and a source. A sync streams rows from DuckDB in chunks into prepared
 * INSERTs, in one transaction with the table's creation or changes, so a failed sync leaves the
 * table as it was. A read exports a table or query as JSON lines, typed by its declared types.
 */
import type { Session } from "./database.js";
import type { SyncPlan } from "./sync-plan.js";
import type { DatasetColumn } from "sluice";
import type { SqlDatabase, TableSource } from "./sql-database.js";
import { writeFile } from "node:fs/promises";
import { ident, quoted, readFiles, splitName } from "./sql-text.js";
import { tableFamily } from "./sql-types.js";

export async function sqliteDatabase(path: string): Promise<SqlDatabase> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path, { fileMustExist: false });
  db.pragma("busy_timeout = 10000");
  const describe = async (source: TableSource): Promise<DatasetColumn[]> => {
    return db
      .prepare(selectOf(source))
      .columns()
      .map((column) => ({ name: column.name, type: duckTypeOf(column.type) }));
  };
  return {
    dialect: "sqlite",
    async columns(table) {
      const [schema, name] = splitName(table);
      const rows = db
        .prepare(`SELECT name, type FROM pragma_table_info(?${schema ? ", ?" : ""})`)
        .all(...(schema ? [name, schema] : [name])) as Array<{ name: string; type: string }>;
      if (rows.length > 0) return rows;
      return undefined;
    },
    async write(plan: SyncPlan, session: Session, source: string) {
      const table = quoted(plan.table);
      const columns = plan.columns.map(ident).join(", ");
      db.exec("BEGIN IMMEDIATE");
      try {
        if (plan.recreate) db.exec(`DROP TABLE IF EXISTS ${table}`);
        if (plan.create) {
          const defs = plan.create.map((c) => `${ident(c.name)} ${c.type}`);
          if (plan.mode === "upsert") defs.push(`PRIMARY KEY (${plan.key.map(ident).join(", ")})`);
          db.exec(`CREATE TABLE ${table} (${defs.join(", ")})`);
        }
        for (const column of plan.add)
          db.exec(`ALTER TABLE ${table} ADD COLUMN ${ident(column.name)} ${column.type}`);
        const count = () =>
          (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        const before = plan.exists && !plan.recreate ? count() : 0;
        if (plan.mode === "replace" && !plan.recreate && plan.exists)
          db.exec(`DELETE FROM ${table}`);
        const others = plan.columns.filter((c) => !plan.key.includes(c));
        const conflict =
          plan.mode !== "upsert"
            ? ""
            : ` ON CONFLICT (${plan.key.map(ident).join(", ")}) ${others.length ? `DO UPDATE SET ${others.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(", ")}` : "DO NOTHING"}`;
        const insert = db.prepare(
          `INSERT INTO ${table} (${columns}) VALUES (${plan.columns.map(() => "?").join(", ")})${conflict}`,
        );
        const result = await session.db.stream(`SELECT ${columns} FROM ${source}`);
        let written = 0;
        for await (const rows of result.yieldRowsJson())
          for (const row of rows) {
            insert.run(row.map(sqliteValue));
            written++;
          }
        const after = count();
        db.exec("COMMIT");
        return { written, before, after };
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw error;
      }
    },
    describe,
    async export(source, session) {
      const columns = await describe(source);
      const lines: string[] = [];
      for (const row of db.prepare(selectOf(source)).raw().iterate() as Iterable<unknown[]>)
        lines.push(
          JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, jsonCell(row[i])]))),
        );
      const path = session.scratchFile("export.jsonl");
      await writeFile(path, lines.length ? `${lines.join("\n")}\n` : "");
      return readFiles("json", [path], columns);
    },
    close: () => {
      db.close();
    },
  };
}

function selectOf(source: TableSource): string {
  return "table" in source ? `SELECT * FROM ${quoted(source.table)}` : source.query;
}

/** A column's declared SQLite type as DuckDB reads its values; an expression (no declared type) as VARCHAR. */
function duckTypeOf(declared: string | null): string {
  if (!declared) return "VARCHAR";
  const family = tableFamily("sqlite", declared);
  return family === "int"
    ? "BIGINT"
    : family === "float" || family === "numeric"
      ? "DOUBLE"
      : family === "bytes"
        ? "BLOB"
        : "VARCHAR";
}

function jsonCell(cell: unknown): unknown {
  if (typeof cell === "bigint") return cell.toString();
  if (cell instanceof Uint8Array) return Buffer.from(cell).toString("base64");
  return cell;
}

/**
 * A DuckDB value (in its JSON form: big integers, dates and times as text) as SQLite stores it:
 * booleans as 0/1, lists and structs as JSON text; the column's affinity turns "42" into 42.
 */
function sqliteValue(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return value;
}
