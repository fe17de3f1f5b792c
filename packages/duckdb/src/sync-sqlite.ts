/**
 * Sync to SQLite: rows stream from DuckDB in chunks into prepared INSERTs, inside one transaction
 * with the table's creation or changes, so a failed sync leaves the table as it was.
 */
import type { Session } from "./database.js";
import type { SyncPlan } from "./sync-plan.js";
import type { SyncTarget } from "./sync-target.js";
import { ident } from "./sql-text.js";
import { quoted, splitName } from "./sync-postgres.js";

export async function sqliteTarget(path: string): Promise<SyncTarget> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path, { fileMustExist: false });
  db.pragma("busy_timeout = 10000");
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
    close: () => {
      db.close();
    },
  };
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
