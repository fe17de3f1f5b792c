/**
 * A step's map items or dynamic children shared with other workers (a stack's workers, @sluice/postgres
 * units.ts). The step's own job publishes them as units, each a job that any worker serving the step's
 * queue may take; the step's job takes units too (so it never waits on workers that are not there),
 * and it gathers their results. A unit held by a worker gone past its lease is offered again. In one
 * process there is no fan-out: the step runs its items and children itself (map-step.ts, dynamic-step.ts).
 */
import type { ArtifactRef } from "../artifacts/index.js";
import type { StepRunRecord } from "../store/index.js";
import type { AttemptControl } from "../executors/index.js";
import { sleep } from "./retry.js";

/** Some of a map's items: their indices, and the items themselves as one artifact. */
export interface MapUnitInput {
  kind: "map";
  indices: number[];
  items: ArtifactRef;
  /** The map step's params hash (part of each item's cache key). */
  paramsHash: string;
}

/** One child of a dynamic step: the code it must be, and the outputs of the children it reads. */
export interface ChildUnitInput {
  kind: "child";
  fingerprint: string;
  /** The dynamic step's cache key (part of each child's). */
  parentKey: string;
  deps: Record<string, { ref: ArtifactRef; hash: string }>;
}

export type UnitInput = MapUnitInput | ChildUnitInput;

/** What a unit ended with: the records of its items (or of its child), outputs or errors in them. */
export interface UnitResult {
  records: StepRunRecord[];
}

/** A unit taken by this worker: its result is recorded only while `token` is current. */
export interface ClaimedUnit {
  step: string;
  key: string;
  token: number;
  input: UnitInput;
}

/** The units of one run's steps, shared through the stack's database. */
export interface FanOut {
  /** Drops units an earlier attempt of the step left. */
  clear(step: string): Promise<void>;
  /** Publishes units of the step (a job each, on the step's queue). */
  publish(step: string, units: ReadonlyArray<{ key: string; input: UnitInput }>): Promise<void>;
  /** Takes one unit of the step that nobody has taken; undefined when none is left to take. */
  claim(step: string): Promise<ClaimedUnit | undefined>;
  /** Records a unit's end; false when the unit was given to another worker meanwhile (fenced). */
  finish(unit: ClaimedUnit, result: UnitResult): Promise<boolean>;
  /** How many units of the step have not ended; those held by workers past their lease are offered again. */
  unfinished(step: string): Promise<number>;
  /** The ended units' results, by key. */
  results(step: string): Promise<Map<string, UnitResult>>;
}

/** The longest pause between looks at the other workers' units. */
const LONGEST_WAIT_MS = 500;

/**
 * Publishes the step's units, then works through them with the other workers: takes and runs units
 * until none is left to take, then waits (short pauses first) for those others hold, taking any
 * offered again. Resolves with every unit's result, and which of them ran here.
 */
export async function shareUnits(
  fanOut: FanOut,
  step: string,
  units: ReadonlyArray<{ key: string; input: UnitInput }>,
  control: AttemptControl,
  runUnit: (unit: ClaimedUnit) => Promise<UnitResult>,
): Promise<{ results: Map<string, UnitResult>; ranHere: Set<string> }> {
  const ranHere = new Set<string>();
  if (units.length === 0) return { results: new Map(), ranHere };
  await fanOut.publish(step, units);
  let pauseMs = 5;
  for (;;) {
    for (let unit = await fanOut.claim(step); unit; unit = await fanOut.claim(step)) {
      if (control.aborted) throw control.reason;
      const result = await runUnit(unit);
      if (await fanOut.finish(unit, result)) ranHere.add(unit.key);
      pauseMs = 5;
    }
    if (control.aborted) throw control.reason;
    if ((await fanOut.unfinished(step)) === 0)
      return { results: await fanOut.results(step), ranHere };
    await sleep(pauseMs, control.signal);
    pauseMs = Math.min(pauseMs * 2, LONGEST_WAIT_MS);
  }
}

/** Splits `indices` into units of about `size`, at most `units` of them. */
export function chunked(indices: readonly number[], units: number): number[][] {
  const size = Math.max(1, Math.ceil(indices.length / units));
  const chunks: number[][] = [];
  for (let at = 0; at < indices.length; at += size) chunks.push(indices.slice(at, at + size));
  return chunks;
}
