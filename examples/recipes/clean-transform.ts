/**
 * Clean + transform: a prepare recipe tidies raw orders (names, types, missing values, bad rows,
 * duplicates), then a group and a window recipe summarize them. The checks fail the step, with the
 * offending rows, before a bad output is stored.
 *
 *   npx sluice run examples/recipes/clean-transform.ts
 *   npx sluice head orders/monthly_running -n 5
 */
import { pipeline } from "sluice";
import {
  acceptedValues,
  assertRows,
  cast,
  count,
  dedupe,
  derive,
  fillNull,
  filter,
  group,
  prepare,
  readDataset,
  rename,
  runningSum,
  sum,
  unique,
  window,
} from "@sluice/duckdb";

export const rawOrders = readDataset("raw_orders", { path: "data/orders_raw.csv" });

export const cleanOrders = prepare("clean_orders", {
  input: rawOrders,
  ops: [
    rename({ "Order ID": "order_id" }),
    cast({ amount: "DECIMAL(10,2)" }),
    fillNull({ currency: "EUR" }),
    filter("status = 'paid' AND amount > 0"),
    derive("month", "strftime(ordered_on, '%Y-%m')"),
    dedupe("order_id"),
  ],
  checks: [
    unique("order_id"),
    acceptedValues("currency", ["EUR", "USD"]),
    assertRows("amount > 0"),
  ],
});

export const monthly = group("monthly", {
  input: cleanOrders,
  by: ["customer", "month"],
  aggregations: { orders: count(), revenue: sum("amount") },
});

export const monthlyRunning = window("monthly_running", {
  input: monthly,
  partitionBy: ["customer"],
  orderBy: ["month"],
  columns: { revenue_to_date: runningSum("revenue") },
});

export default pipeline("orders", { steps: [monthlyRunning] });
