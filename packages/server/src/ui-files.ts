/**
 * The web UI's static files (the @sluice/ui package's built dist/) at `/`: a file when the path names
 * one, else index.html, so every deep link of the app survives a reload. Hashed assets are cached for
 * good; index.html never. Read from disk per request: a server needs no front-end package at run time.
 */
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { Context } from "hono";
import { uiRoot } from "@sluice/ui";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** No inline script, nothing from elsewhere: the app talks only to this server. */
const CSP =
  "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export async function serveUi(c: Context): Promise<Response> {
  const path = normalize(decodeURIComponent(new URL(c.req.url).pathname)).replace(/^[/\\]+/, "");
  const file = join(uiRoot, path);
  const inside = file.startsWith(uiRoot + sep) && !path.split(/[/\\]/).includes("..");
  const asset =
    inside && extname(file) !== "" ? await readFile(file).catch(() => undefined) : undefined;
  if (asset)
    return new Response(asset, {
      headers: {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": path.startsWith("assets/")
          ? "public, max-age=31536000, immutable"
          : "no-cache",
        "x-content-type-options": "nosniff",
      },
    });
  const index = await readFile(join(uiRoot, "index.html"), "utf8").catch(() => undefined);
  if (index === undefined)
    return c.text(
      "The web UI is not built: run `npm run build` in the sluice repository (it builds packages/ui).",
      503,
    );
  return new Response(index, {
    headers: {
      "content-type": TYPES[".html"]!,
      "cache-control": "no-cache",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}
