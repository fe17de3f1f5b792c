/**
 * Concurrency limits: waiting in line for a slot of a key and holding it, on the store's LimitStore
 * so that every process on the store shares the count. A holder that waits asks again when a slot
 * is given back in this process, and at least every LIMIT_POLL_MS for the other processes; its
 * leases are renewed every HEARTBEAT_MS while held, and lapse LEASE_MS after its process died on
 * another host (on this host a dead holder is seen at once from the process table).
 */
import { SluiceError } from "../core/index.js";
import { MemoryLimitStore, type LimitLease, type LimitStore } from "../store/index.js";
import { HEARTBEAT_MS, LEASE_MS, processGone, thisProcess } from "./owner.js";

/** How often a waiter asks the store again when no slot was given back in this process. */
export const LIMIT_POLL_MS = 500;

/** A slot under a limit: what to ask for and how messages name it. */
export interface LimitSlot {
  /** The store key: `gpu` for a step limit, `flow:<project>/<name>` for a flow's runs, `runs:<project>` for all runs. */
  key: string;
  limit: number;
  /** How `waitingOn` names it: `gpu`, `runs of flow "train"`. */
  label: string;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called once, when the holder has to wait, with what it waits on (`limit gpu 2/2`). */
  onWaiting?: (waitingOn: string) => void | Promise<void>;
}

/** Limits of runs that use no store of their own (custom stores without `limits`) are this process's. */
const processLimits = new MemoryLimitStore();

export function limitStoreOr(store: LimitStore | undefined): LimitStore {
  return store ?? processLimits;
}

const wakeups = new Map<string, Set<() => void>>();
const renewed = new Map<LimitStore, Set<string>>();
let renewal: NodeJS.Timeout | undefined;

/**
 * Waits in line until `holder` holds a slot of every limit in `slots` (taken in key order, so two
 * holders of the same keys never hold one each and wait for the other), and returns the function
 * that gives them back. Throws `cancelled` when the signal aborts first; its place in line is left.
 */
export async function holdLimits(
  store: LimitStore,
  slots: readonly LimitSlot[],
  holder: string,
  options: WaitOptions = {},
): Promise<() => Promise<void>> {
  const held: LimitSlot[] = [];
  const giveBack = async () => {
    forget(store, holder);
    for (const slot of held.splice(0)) {
      await store.releaseLimit(slot.key, holder);
      for (const wake of wakeups.get(slot.key) ?? []) wake();
    }
  };
  let announced = false;
  try {
    for (const slot of [...slots].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      remember(store, holder);
      for (;;) {
        if (options.signal?.aborted) throw cancelledWhileWaiting(slot);
        const { acquired, leases } = await store.acquireLimit({
          key: slot.key,
          limit: slot.limit,
          holder,
          owner: thisProcess(),
          now: Date.now(),
          ttlMs: LEASE_MS,
        });
        if (acquired) break;
        const dead = leases.filter((lease) => lease.holder !== holder && processGone(lease.owner));
        if (dead.length > 0) {
          for (const lease of dead) await store.releaseLimit(lease.key, lease.holder);
          continue;
        }
        if (!announced) {
          announced = true;
          await options.onWaiting?.(waitingOn(slot, leases));
        }
        await nextChance(slot.key, options.signal);
      }
      held.push(slot);
    }
  } catch (error) {
    for (const slot of slots) if (!held.includes(slot)) await store.releaseLimit(slot.key, holder);
    await giveBack();
    throw error;
  }
  return giveBack;
}

/** `limit gpu 2/2`: what a waiting holder shows. */
function waitingOn(slot: LimitSlot, leases: readonly LimitLease[]): string {
  const held = leases.filter((lease) => lease.held).length;
  return `limit ${slot.label} ${held}/${slot.limit}`;
}

function cancelledWhileWaiting(slot: LimitSlot): SluiceError {
  return new SluiceError("cancelled", `Cancelled while waiting for limit ${slot.label}.`);
}

/** Resolves when a slot of `key` is given back in this process, after LIMIT_POLL_MS, or on abort. */
function nextChance(key: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const waiters = wakeups.get(key) ?? new Set<() => void>();
    wakeups.set(key, waiters);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      waiters.delete(done);
      if (waiters.size === 0) wakeups.delete(key);
      resolve();
    };
    const timer = setTimeout(done, LIMIT_POLL_MS);
    waiters.add(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function remember(store: LimitStore, holder: string): void {
  const holders = renewed.get(store) ?? new Set<string>();
  renewed.set(store, holders);
  holders.add(holder);
  renewal ??= setInterval(renewAll, HEARTBEAT_MS).unref();
}

function forget(store: LimitStore, holder: string): void {
  const holders = renewed.get(store);
  holders?.delete(holder);
  if (holders?.size === 0) renewed.delete(store);
  if (renewed.size === 0 && renewal) {
    clearInterval(renewal);
    renewal = undefined;
  }
}

function renewAll(): void {
  const expiresAt = Date.now() + LEASE_MS;
  for (const [store, holders] of renewed)
    Promise.resolve(store.renewLimits([...holders], expiresAt)).catch(() => undefined);
}
