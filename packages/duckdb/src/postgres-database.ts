/**
 * PostgreSQL as a sync target and a source. A sync sends rows from DuckDB to a CSV file and into the
 * table with COPY, in one transaction with the table's creation or changes, so a failed sync leaves
 * the table as it was. A read exports a table or query with COPY TO, typed by its columns' types.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Session } from "./database.js";
import type { SyncPlan } from "./sync-plan.js";
import type { DatasetColumn } from "sluice";
import type { SqlDatabase, TableSource } from "./sql-database.js";
import { ident, literal, quoted, readFiles, splitName } from "./sql-text.js";

type PgClient = import("pg").Client;

export async function postgresDatabase(url: string): Promise<SqlDatabase> {
  const { default: pg } = await import("pg");
  const client: PgClient = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  const describe = async (source: TableSource): Promise<DatasetColumn[]> => {
    const result = await client.query(`SELECT * FROM (${selectOf(source)}) AS q LIMIT 0`);
    return result.fields.map((field) => ({
      name: field.name,
      type: duckTypeOfOid(field.dataTypeID),
    }));
  };
  return {
    dialect: "postgres",
    async columns(table) {
      const [schema, name] = splitName(table);
      const result = await client.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position`,
        [schema ?? null, name],
      );
      if (result.rows.length > 0)
        return result.rows.map((row) => ({ name: row.column_name, type: row.data_type }));
      // A table without columns still exists.
      const found = await client.query(`SELECT to_regclass($1) AS id`, [quoted(table)]);
      return found.rows[0]?.id ? [] : undefined;
    },
    async write(plan: SyncPlan, session: Session, source: string) {
      const csv = session.scratchFile("rows.csv");
      const columns = plan.columns.map(ident).join(", ");
      await session.db.run(
        `COPY (SELECT ${columns} FROM ${source}) TO ${literal(csv)} (FORMAT csv, HEADER false)`,
      );
      const table = quoted(plan.table);
      await client.query("BEGIN");
      try {
        if (plan.recreate) await client.query(`DROP TABLE IF EXISTS ${table}`);
        if (plan.create) await client.query(createSql(table, plan));
        for (const column of plan.add)
          await client.query(
            `ALTER TABLE ${table} ADD COLUMN ${ident(column.name)} ${column.type}`,
          );
        const before = plan.exists && !plan.recreate ? await count(client, table) : 0;
        if (plan.mode === "replace" && !plan.recreate && plan.exists)
          await client.query(`TRUNCATE ${table}`);
        const target = plan.mode === "upsert" ? "sluice_sync_rows" : table;
        if (plan.mode === "upsert")
          await client.query(
            `CREATE TEMP TABLE sluice_sync_rows ON COMMIT DROP AS SELECT ${columns} FROM ${table} WITH NO DATA`,
          );
        const { from } = await import("pg-copy-streams");
        const copy = client.query(from(`COPY ${target} (${columns}) FROM STDIN (FORMAT csv)`));
        await pipeline(createReadStream(csv), copy);
        const written = Number(copy.rowCount);
        if (plan.mode === "upsert") await client.query(upsertSql(table, plan));
        const after = await count(client, table);
        await client.query("COMMIT");
        return { written, before, after };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    },
    describe,
    async export(source, session) {
      const columns = await describe(source);
      const csv = session.scratchFile("export.csv");
      const { to } = await import("pg-copy-streams");
      const copy = client.query(
        to(`COPY (${selectOf(source)}) TO STDOUT (FORMAT csv, HEADER false)`),
      );
      await pipeline(copy, createWriteStream(csv));
      return readFiles("csv", [csv], columns, { header: false });
    },
    close: () => client.end(),
  };
}

function selectOf(source: TableSource): string {
  return "table" in source ? `SELECT * FROM ${quoted(source.table)}` : source.query;
}

/** PostgreSQL's built-in type OIDs (pg_type) and the DuckDB type their text reads as; others are VARCHAR. */
const OID_TYPES: Record<number, string> = {
  16: "BOOLEAN",
  20: "BIGINT",
  21: "SMALLINT",
  23: "INTEGER",
  700: "FLOAT",
  701: "DOUBLE",
  1700: "DOUBLE",
  1082: "DATE",
  1114: "TIMESTAMP",
  1184: "TIMESTAMP WITH TIME ZONE",
  1083: "TIME",
  2950: "UUID",
};

function duckTypeOfOid(oid: number): string {
  return OID_TYPES[oid] ?? "VARCHAR";
}

function createSql(table: string, plan: SyncPlan): string {
  const columns = plan.create!.map((c) => `${ident(c.name)} ${c.type}`);
  if (plan.mode === "upsert") columns.push(`PRIMARY KEY (${plan.key.map(ident).join(", ")})`);
  return `CREATE TABLE ${table} (${columns.join(", ")})`;
}

function upsertSql(table: string, plan: SyncPlan): string {
  const columns = plan.columns.map(ident).join(", ");
  const others = plan.columns.filter((c) => !plan.key.includes(c));
  const action = others.length
    ? `DO UPDATE SET ${others.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(", ")}`
    : "DO NOTHING";
  return `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM sluice_sync_rows ON CONFLICT (${plan.key.map(ident).join(", ")}) ${action}`;
}

async function count(client: PgClient, table: string): Promise<number> {
  const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0]!.n);
}
