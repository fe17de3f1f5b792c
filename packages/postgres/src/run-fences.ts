/**
 * The runs this process writes only while it holds their claim (fenceRun), and the runs another
 * process took over from it, whose writes are refused: the PostgreSQL side of the SQLite store's fences,
 * checked inside each write transaction with the runs' rows locked.
 */
import type { PoolClient } from "pg";
import { SluiceError, type RunRecord } from "sluice/internal";

export class RunFences {
  private readonly claims = new Map<string, string>();
  private readonly superseded = new Map<string, SluiceError>();

  set(runId: string, claim: string | undefined): void {
    this.superseded.delete(runId);
    if (claim === undefined) this.claims.delete(runId);
    else this.claims.set(runId, claim);
  }

  has(runId: string): boolean {
    return this.claims.has(runId);
  }

  /** In a transaction: refuses it when another owner took a run this process writes. */
  async checkAll(client: PoolClient): Promise<void> {
    if (this.claims.size === 0) return;
    const ids = [...this.claims.keys()];
    const rows = await client.query<{ run_id: string; record: string }>(
      "SELECT run_id, record FROM runs WHERE run_id = ANY($1) FOR UPDATE",
      [ids],
    );
    for (const row of rows.rows) this.check(row.run_id, JSON.parse(row.record) as RunRecord);
  }

  check(runId: string, run: RunRecord | undefined): void {
    const earlier = this.superseded.get(runId);
    if (earlier) throw earlier;
    const claim = this.claims.get(runId);
    if (claim === undefined || run === undefined || run.claim === claim) return;
    const error = new SluiceError(
      "superseded",
      `Run ${runId} was taken over by another process (${String(run.ownerPid ?? "?")}@${run.ownerHost ?? "?"}); this process stops writing it.`,
      { runId },
    );
    this.claims.delete(runId);
    this.superseded.set(runId, error);
    throw error;
  }

  /** A write of a run another process took over: refused at once. */
  refused<T>(records: readonly T[], runIdOf: (record: T) => string): Promise<void> | undefined {
    if (this.superseded.size === 0) return undefined;
    for (const record of records) {
      const error = this.superseded.get(runIdOf(record));
      if (error) return Promise.reject(error);
    }
    return undefined;
  }
}
