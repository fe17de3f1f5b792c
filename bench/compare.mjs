// Before/after on this machine in one session: `node bench/compare.mjs REV` builds revision REV in a
// temporary git worktree (sharing node_modules; for a revision with npm workspaces, its own links to
// its own packages) and times it and the working tree, interleaved:
// durable whole-process runs of bench/workload.mjs, then a no-op rerun and a preview on the home the
// run filled. RUNS=5 samples per point (median); POINTS="w1:10000,w3:10000" picks the workloads.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const rev = process.argv[2];
if (!rev) {
  process.stderr.write("usage: node bench/compare.mjs REV   (e.g. HEAD~3)\n");
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.RUNS ?? 5);
const points = (process.env.POINTS ?? "w1:10000,w3:10000,w1:1000")
  .split(",")
  .map((p) => p.split(":"));
const before = mkdtempSync(join(tmpdir(), "sluice-compare-"));
execFileSync("git", ["worktree", "add", "--detach", before, rev], { cwd: root, stdio: "ignore" });
try {
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  if (workspaces(before)) {
    linkModules(before);
    execFileSync(process.execPath, [tsc, "-b", "packages/client", "packages/sluice"], {
      cwd: before,
      stdio: "inherit",
    });
    // Revisions that bundle the engine's JavaScript (scripts/bundle.mjs) need it to run.
    if (existsSync(join(before, "scripts/bundle.mjs")))
      execFileSync(process.execPath, ["scripts/bundle.mjs"], { cwd: before, stdio: "inherit" });
  } else {
    symlinkSync(join(root, "node_modules"), join(before, "node_modules"));
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
      cwd: before,
      stdio: "inherit",
    });
  }
  const trees = { [rev]: before, "working tree": root };
  const time = (dir, args, env) => {
    const started = process.hrtime.bigint();
    const bin = workspaces(dir) ? "packages/sluice/bin/sluice.js" : "bin/sluice.js";
    const child = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    if (child.status !== 0)
      throw new Error(`${dir}: sluice ${args.join(" ")} exited ${child.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    "| workload | N | tree | run (durable) | no-op rerun | preview |\n|---|---:|---|---:|---:|---:|",
  );
  for (const [workload, n] of points) {
    const samples = Object.fromEntries(
      Object.keys(trees).map((name) => [name, { run: [], rerun: [], preview: [] }]),
    );
    for (let i = 0; i < runs; i++) {
      for (const [name, dir] of Object.entries(trees)) {
        const home = mkdtempSync(join(tmpdir(), "sluice-compare-home-"));
        const env = { SLUICE_HOME: home, SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: n };
        samples[name].run.push(time(dir, ["run", "bench/workload.mjs", "--quiet"], env));
        samples[name].rerun.push(time(dir, ["run", "bench/workload.mjs", "--quiet"], env));
        samples[name].preview.push(time(dir, ["preview", "bench/workload.mjs", "--json"], env));
        rmSync(home, { recursive: true, force: true });
      }
    }
    for (const [name, s] of Object.entries(samples)) {
      console.log(
        `| ${workload} | ${n} | ${name} | ${median(s.run).toFixed(0)} ms | ${median(s.rerun).toFixed(0)} ms | ${median(s.preview).toFixed(0)} ms |`,
      );
    }
  }
} finally {
  execFileSync("git", ["worktree", "remove", "--force", before], { cwd: root, stdio: "ignore" });
}

/** Whether the tree at `dir` has the npm workspaces layout (packages/sluice) rather than one package. */
function workspaces(dir) {
  return existsSync(join(dir, "packages/sluice"));
}

/** The working tree's dependencies for `dir`, except sluice's own packages: those of `dir` itself. */
function linkModules(dir) {
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@sluice"), { recursive: true });
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name === "sluice") symlinkSync(join(dir, "packages/sluice"), join(modules, "sluice"));
    else if (name !== "@sluice") symlinkSync(join(root, "node_modules", name), join(modules, name));
  }
  for (const name of readdirSync(join(dir, "packages")))
    if (name !== "sluice") symlinkSync(join(dir, "packages", name), join(modules, "@sluice", name));
}
