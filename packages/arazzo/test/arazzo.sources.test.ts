// Reading source descriptions safely: local files beside the document only (absolute paths and file:
// URLs need --allow-local-files), a local copy with --source-file, and bounded size and time.
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  closeSync,
  openSync,
  ftruncateSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { validateArazzo } from "../src/index.js";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const API = join(root, "test/fixtures/arazzo/run/api.openapi.yaml");

/** A one-step document in a new folder whose only source has the given url. */
function documentWithSource(url: string): string {
  // In a subfolder of the temp folder, so a source "../x" is in the temp folder too.
  const dir = join(tempDir("sluice-sources-"), "docs");
  mkdirSync(dir);
  const file = join(dir, "flow.arazzo.yaml");
  writeFileSync(
    file,
    `arazzo: 1.0.1
info: { title: sources, version: "1" }
sourceDescriptions:
  - { name: api, url: ${JSON.stringify(url)}, type: openapi }
workflows:
  - workflowId: w
    steps:
      - { stepId: s, operationId: next, parameters: [{ name: id, in: path, value: x }] }
`,
  );
  return file;
}

let server: Server | undefined;
afterEach(() =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())).then(
    () => (server = undefined),
  ),
);

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api.yaml`;
}

describe("source descriptions", () => {
  it("an absolute path or file: URL needs --allow-local-files; a relative path, ../ included, does not", async () => {
    for (const url of [API, pathToFileURL(API).href]) {
      const refused = await validateArazzo(documentWithSource(url));
      expect(refused.diagnostics.map((d) => d.message)).toEqual([
        expect.stringContaining(
          "is an absolute local path; a document may name only files beside it",
        ),
      ]);
      expect(
        (await validateArazzo(documentWithSource(url), { allowLocalFiles: true })).diagnostics,
      ).toEqual([]);
    }
    const beside = documentWithSource("../api.openapi.yaml");
    copyFileSync(API, join(beside, "../../api.openapi.yaml"));
    expect((await validateArazzo(beside)).diagnostics).toEqual([]);
  });

  it("--source-file loads a source from a local copy instead of its url", () => {
    const doc = documentWithSource("https://apis.example.invalid/api.yaml");
    const cli = (args: string[]) => sluice(["arazzo", "validate", doc, ...args]);
    expect(cli(["--source-file", `api=${API}`]).code).toBe(0);
    const unknown = cli(["--source-file", `nope=${API}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('no source description is named "nope"');
  });

  it("a source larger than 32 MiB is refused without being read whole, from a file or over HTTP", async () => {
    const big = join(tempDir("sluice-big-"), "big.yaml");
    const fd = openSync(big, "w");
    ftruncateSync(fd, 33 * 1024 * 1024);
    closeSync(fd);
    const local = await validateArazzo(documentWithSource(big), { allowLocalFiles: true });
    expect(local.diagnostics[0]!.message).toContain("larger than 32 MiB");
    let sent = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/yaml" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (sent < 1024 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 1024 * 1024 * 1024) res.once("drain", pump);
      };
      res.on("close", () => (sent = Infinity));
      pump();
    });
    const remote = await validateArazzo(documentWithSource(url));
    expect(remote.diagnostics[0]!.message).toContain("larger than 32 MiB");
  });

  it("a source that does not arrive in time is reported, the body's wait included", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/yaml" });
      res.write("openapi: 3.1.0\n"); // then nothing more
    });
    const slow = await validateArazzo(documentWithSource(url), { timeoutMs: 300 });
    expect(slow.diagnostics[0]!.message).toContain("did not arrive within 300 ms");
  });

  // This machine has no public address, so a public host name is pointed at the local server here, the
  // way a DNS entry would; everything else (HTTP, redirects, the checks) is real.
  function viaPublicName(local: string): typeof fetch {
    const origin = new URL(local).origin;
    return (input, init) =>
      fetch(String(input).replace(/^http:\/\/[a-z]+\.example\.test/, origin), init);
  }

  it("a document read from a public address may not name sources on this machine or a private network", async () => {
    const requested: string[] = [];
    const base = await serve((req, res) => {
      requested.push(req.url!);
      if (req.url === "/flow.arazzo.yaml") {
        const internal = new URL(base).origin;
        res.end(readFileSync(documentWithSource(`${internal}/api.yaml`), "utf8"));
      } else res.end(readFileSync(API));
    });
    const remote = await validateArazzo("http://docs.example.test/flow.arazzo.yaml", {
      fetch: viaPublicName(base),
    });
    expect(remote.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining("is on this machine or a private network"),
    ]);
    expect(remote.diagnostics[0]!.hint).toContain("--source-url api=URL");
    expect(requested).toEqual(["/flow.arazzo.yaml"]);
    // The same document read from disk, or a replacement url given by the user, may.
    expect((await validateArazzo(documentWithSource(base))).diagnostics).toEqual([]);
    const replaced = await validateArazzo("http://docs.example.test/flow.arazzo.yaml", {
      fetch: viaPublicName(base),
      sourceUrls: { api: base },
    });
    expect(replaced.diagnostics).toEqual([]);
  });

  it("a public source that redirects to an internal address is not followed; internal redirects are", async () => {
    const requested: string[] = [];
    const base = await serve((req, res) => {
      requested.push(req.url!);
      if (req.url === "/moved.yaml") res.writeHead(302, { location: "/api.yaml" }).end();
      else if (req.url === "/to-internal.yaml")
        res.writeHead(301, { location: `${new URL(base).origin}/api.yaml` }).end();
      else res.end(readFileSync(API));
    });
    const origin = new URL(base).origin;
    expect((await validateArazzo(documentWithSource(`${origin}/moved.yaml`))).diagnostics).toEqual(
      [],
    );
    expect(requested).toEqual(["/moved.yaml", "/api.yaml"]);
    requested.length = 0;
    const refused = await validateArazzo(
      documentWithSource("http://api.example.test/to-internal.yaml"),
      { fetch: viaPublicName(base) },
    );
    expect(refused.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining(
        `redirects to ${origin}/api.yaml, an address on this machine or a private network`,
      ),
    ]);
    expect(requested).toEqual(["/to-internal.yaml"]);
  });
});
