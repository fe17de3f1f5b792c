/**
 * ETL to a warehouse: prepare, then sync to a SQL table whose schema is set before any row is
 * written. The load is one transaction: a failed sync leaves the table as it was. The connection
 * comes from WAREHOUSE_URL (e.g. postgres://user:password@127.0.0.1:5432/warehouse), never from the
 * code; without it, a SQLite file beside this example.
 *
 *   npx sluice run examples/recipes/etl-warehouse.ts
 *   WAREHOUSE_URL=postgres://... npx sluice run examples/recipes/etl-warehouse.ts
 */
import { pipeline } from "sluice";
import { derive, filter, notNull, prepare, syncToTable } from "@sluice/duckdb";
import { cleanOrders } from "./clean-transform.js";

export const warehouseOrders = prepare("warehouse_orders", {
  input: cleanOrders,
  ops: [filter("currency = 'EUR'"), derive("loaded_from", "'orders_raw.csv'")],
  checks: [notNull("order_id", "amount")],
});

export const syncOrders = syncToTable("sync_orders", {
  input: warehouseOrders,
  connection: () => process.env["WAREHOUSE_URL"] ?? "sqlite:warehouse.db",
  table: "orders_eur",
  schema: "create",
  mode: "upsert",
  key: "order_id",
});

export default pipeline("warehouse", { steps: [syncOrders] });
