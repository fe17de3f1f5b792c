/**
 * `sluice show`'s text for the HTTP call an Arazzo step made last: the request line, the status, each
 * success criterion with whether it held, and the start of the body where something went wrong; with
 * `--http`, every header and the whole recorded body (already masked and capped by the recorder).
 */
import pc from "picocolors";
import type { wire } from "@sluice/client";

const BODY_START_CHARS = 160;

type Exchange = NonNullable<wire.StepRun["http"]>;

/** The lines for every step that made an HTTP call, or none when no step did. */
export function httpSection(steps: readonly wire.StepRun[], full: boolean): string[] {
  const calls = steps.filter((step) => step.http !== undefined);
  if (calls.length === 0) return [];
  const lines = [
    "",
    full
      ? "HTTP calls (the last of each step):"
      : "HTTP calls (the last of each step; --http shows headers and bodies):",
  ];
  for (const step of calls)
    lines.push(...exchangeLines(step.name, step.status === "failed", step.http!, full));
  return lines;
}

function exchangeLines(name: string, failed: boolean, http: Exchange, full: boolean): string[] {
  const outcome = http.response ? statusText(http.response.status) : pc.red("no response");
  const lines = [`  ${name}: ${http.request.method} ${http.request.url} -> ${outcome}`];
  const indent = "      ";
  if (full) {
    lines.push(...headerLines(http.request.headers, indent));
    if (http.request.body !== undefined)
      lines.push(`${indent}request body:`, ...bodyLines(http.request.body, `${indent}  `));
  }
  if (http.error !== undefined) lines.push(`${indent}${pc.red(http.error)}`);
  for (const criterion of http.criteria) {
    const type = criterion.type === "simple" ? "" : pc.dim(` (${criterion.type})`);
    lines.push(
      `${indent}${criterion.held ? pc.green("held    ") : pc.red("not held")} ${criterion.condition}${type}`,
    );
  }
  const response = http.response;
  if (!response) return lines;
  if (full) {
    lines.push(
      `${indent}response ${response.status}:`,
      ...headerLines(response.headers, `${indent}  `),
    );
    if (response.body !== undefined)
      lines.push(`${indent}response body:`, ...bodyLines(response.body, `${indent}  `));
  } else if ((failed || http.criteria.some((c) => !c.held)) && response.body) {
    lines.push(`${indent}body: ${bodyStart(response.body)}`);
  }
  return lines;
}

function statusText(status: number): string {
  return status >= 200 && status < 300
    ? pc.green(String(status))
    : status >= 400
      ? pc.red(String(status))
      : pc.yellow(String(status));
}

function headerLines(headers: Record<string, string>, indent: string): string[] {
  return Object.entries(headers).map(([name, value]) => `${indent}${pc.dim(`${name}:`)} ${value}`);
}

/** A JSON body pretty-printed, any other text as it is, each line indented. */
function bodyLines(body: string, indent: string): string[] {
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON (or cut at the cap): shown as recorded
  }
  return text.split("\n").map((line) => `${indent}${line}`);
}

/** The body on one line, cut, so a failure shows what the server said without flooding the terminal. */
function bodyStart(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > BODY_START_CHARS
    ? `${line.slice(0, BODY_START_CHARS)}... (${body.length} chars)`
    : line;
}
