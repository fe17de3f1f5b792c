import pc from "picocolors";

/** A plain text table: a bold header, columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const format = (row: string[]) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  return [pc.bold(format(header)), ...rows.map(format)].join("\n");
}

/** A cell as a table shows it: a float with at most 15 significant digits, so 13566.820000000002 reads 13566.82 (--json keeps the exact value). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && !Number.isInteger(value) && Number.isFinite(value))
    return String(Number(value.toPrecision(15)));
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
