/**
 * A run's slots under run limits (a flow's maxConcurrentRuns, a workspace's or server's cap): taken
 * before the run starts, given back when it ends, and given up while the run only waits on child
 * runs, so that a parent and its children never wait for each other's slots.
 */
import type { LimitStore } from "../store/index.js";
import { holdLimits, type LimitSlot, type WaitOptions } from "./limits.js";

export class RunSlots {
  private giveBack?: () => Promise<void>;
  /** Child runs being waited on: the slots are away while there is at least one. */
  private away = 0;

  constructor(
    private readonly store: LimitStore,
    private readonly slots: readonly LimitSlot[],
    private readonly runId: string,
  ) {}

  get any(): boolean {
    return this.slots.length > 0;
  }

  /** Waits in line for the run's slots (see holdLimits). */
  async take(options: WaitOptions = {}): Promise<void> {
    if (this.slots.length === 0 || this.giveBack) return;
    this.giveBack = await holdLimits(this.store, this.slots, `run:${this.runId}`, options);
  }

  async release(): Promise<void> {
    const giveBack = this.giveBack;
    this.giveBack = undefined;
    await giveBack?.();
  }

  /** Runs `wait` (waiting on a child run) with the run's slots given up, and takes them again after. */
  async without<T>(wait: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.slots.length === 0) return wait();
    if (this.away++ === 0) await this.release();
    try {
      return await wait();
    } finally {
      // A cancelled run ends without its slots: it starts nothing more.
      if (--this.away === 0 && !signal?.aborted) await this.take({ signal }).catch(() => undefined);
    }
  }
}
