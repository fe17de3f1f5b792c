/**
 * The public types of an Arazzo run: the options of `runArazzo` and `resumeArazzoRun`, the clock a
 * run sees, the events it reports while it runs and the result it ends with.
 */
import type {
  RunStatus,
  SerializedError,
  StepStatus,
  RunCheckpoints,
  RunStore,
} from "sluice/internal";
import type { Diagnostic } from "../document/diagnostics.js";

type Obj = Record<string, unknown>;

export interface ArazzoStepResult {
  status: StepStatus;
  attempts: number;
  statusCode?: number;
  outputs?: Obj;
}

export interface ArazzoWorkflowResult {
  success: boolean;
  /** The workflow's declared outputs, as they are (secrets not masked: they were asked for). */
  outputs: Obj;
  /** Per stepId; outputs here have secrets masked. */
  steps: Record<string, ArazzoStepResult>;
  error?: SerializedError;
}

export interface ArazzoRunResult extends ArazzoWorkflowResult {
  runId: string;
  /** The workflow asked for; when a whole document ran, its last workflow. */
  workflowId: string;
  status: RunStatus;
  durationMs: number;
  /** Every workflow that ran, by id (`<source>.<id>` for another document's), when more than one did. */
  workflows?: Record<string, ArazzoWorkflowResult>;
}

export type ArazzoEvent =
  | {
      type: "step";
      runId: string;
      workflowId: string;
      stepId: string;
      attempt: number;
      status: StepStatus;
      statusCode?: number;
      method?: string;
      url?: string;
      durationMs?: number;
      error?: SerializedError;
    }
  | {
      type: "workflow";
      runId: string;
      workflowId: string;
      success: boolean;
      error?: SerializedError;
    };

/** What a run and a resumed run are both given. */
export interface CommonOptions {
  runs: RunStore & RunCheckpoints;
  /** Cancels the run: the call in flight is aborted, the run ends cancelled. */
  signal?: AbortSignal;
  /** Where SLUICE_INPUT_<NAME> inputs are read (default process.env). */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  onEvent?: (event: ArazzoEvent) => void;
  /** Told of each form the document uses that runs as meant but is not standard (with its rewrite); the CLI prints them on stderr. */
  onWarning?: (warning: Diagnostic) => void;
  /** Step executions allowed in the run, retries and poll iterations included. @defaultValue 1000 */
  maxSteps?: number;
  /** Per HTTP attempt, in ms. */
  timeoutMs?: number;
  /** How long a poll loop without x-sluice-poll may go on, from its first jump back (ms). @defaultValue 3600000 (1 hour) */
  pollTimeoutMs?: number;
  /** What waits and poll deadlines are measured with. @defaultValue the system clock (tests pass a fake one) */
  clock?: ArazzoClock;
}

/** The time a run sees: now, and a wait the run's cancel interrupts. */
export interface ArazzoClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface ArazzoRunOptions extends CommonOptions {
  /** Path (relative to the working directory) or http(s) URL of the Arazzo document. */
  file: string;
  /** Run this workflow (and its dependsOn); default every workflow of the document. */
  workflowId?: string;
  inputs?: Obj;
  /** Source description name → server base URL for its operations (instead of the OpenAPI servers). */
  sourceUrls?: Record<string, string>;
  /** Source description name → a local copy to load it from (instead of its `url`). */
  sourceFiles?: Record<string, string>;
  /** Let the document name sources by absolute path or `file:` URL (see LoadOptions.allowLocalFiles). */
  allowLocalFiles?: boolean;
  runId?: string;
  /** The project the run is recorded under (a server of that project lists it); default "default". */
  project?: string;
}

export interface ArazzoResumeOptions extends CommonOptions {
  runId: string;
  /** Inputs given again: secret inputs are not stored, so a resumed run needs them again. */
  inputs?: Obj;
}
