/**
 * The runs a process writes only while it holds their claim (fenceRun), and the runs another process
 * took over from it, whose writes are refused. Shared by the durable stores: each reads the runs'
 * current claims inside its write transaction and calls `check`.
 */
import { SluiceError } from "../core/index.js";

/** Who holds a run now, as its record says. */
export interface ClaimHolder {
  claim?: string | null;
  ownerPid?: number | null;
  ownerHost?: string | null;
}

export class RunFences {
  /** Runs this process writes only while it holds their claim (fenceRun). */
  private readonly claims = new Map<string, string>();
  /** Runs another process took over: their writes are refused before they reach a batch. */
  private readonly superseded = new Map<string, SluiceError>();

  set(runId: string, claim: string | undefined): void {
    this.superseded.delete(runId);
    if (claim === undefined) this.claims.delete(runId);
    else this.claims.set(runId, claim);
  }

  has(runId: string): boolean {
    return this.claims.has(runId);
  }

  /** The runs whose claim a write transaction must check. */
  fencedRuns(): string[] {
    return [...this.claims.keys()];
  }

  /**
   * Inside a transaction: refuses to go on when another owner took a run this process writes. The
   * batch it was in fails whole; from then on that run's writes are refused before they are queued
   * (refused()), so this process's other runs go on writing.
   */
  check(runId: string, holder: ClaimHolder | undefined): void {
    const earlier = this.superseded.get(runId);
    if (earlier) throw earlier;
    const claim = this.claims.get(runId);
    if (claim === undefined || holder === undefined || holder.claim === claim) return;
    const error = new SluiceError(
      "superseded",
      `Run ${runId} was taken over by another process (${String(holder.ownerPid ?? "?")}@${String(holder.ownerHost ?? "?")}); this process stops writing it.`,
      { runId },
    );
    this.claims.delete(runId);
    this.superseded.set(runId, error);
    throw error;
  }

  /** A write of a run another process took over: refused at once. */
  refused<T>(records: readonly T[], runIdOf: (record: T) => string): Promise<void> | undefined {
    // The hot path: nothing is looked at (or allocated) unless some run was superseded.
    if (this.superseded.size === 0) return undefined;
    for (const record of records) {
      const error = this.superseded.get(runIdOf(record));
      if (error) return Promise.reject(error);
    }
    return undefined;
  }
}
