/**
 * Concurrency limits: waiting in line for a slot of a key and holding it, on the store's LimitStore
 * so that every process on the store shares the count.
 *
 * Each process keeps its own line per key in front of the store: only the first holders of that line,
 * as many as slots this process does not hold, ask the store (one transaction each); the others wait
 * without touching the store until a slot given back here, or a success ahead of them, wakes the next. So a step under a limit costs one transaction to take its slot and one to give it back,
 * however many wait. The first of a line that the store refuses asks again when a slot is given back
 * here, and at least every LIMIT_POLL_MS for the other processes. Leases are renewed every
 * HEARTBEAT_MS while held, and lapse LEASE_MS after their process died on another host (on this host
 * a dead holder is seen at once from the process table).
 */
import { SluiceError } from "../core/index.js";
import { MemoryLimitStore, type LimitLease, type LimitStore } from "../store/index.js";
import { HEARTBEAT_MS, LEASE_MS, processGone, thisProcess } from "./owner.js";

/** How often the first of a line asks the store again when no slot was given back in this process. */
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
  /**
   * Call onWaiting only once the wait lasted this long (not waited for): a short wait, such as a
   * step's turn among steps of its own run, is not worth a record. @defaultValue at once, awaited
   */
  announceAfterMs?: number;
}

/** Limits of runs that use no store of their own (custom stores without `limits`) are this process's. */
const processLimits = new MemoryLimitStore();

export function limitStoreOr(store: LimitStore | undefined): LimitStore {
  return store ?? processLimits;
}

/** This process's line for one key of one store. */
interface Line {
  /** Holders waiting, in the order they came; the first may ask the store. */
  waiting: string[];
  /** How to wake a waiting holder (set while it sleeps). */
  wake: Map<string, () => void>;
  /** Slots of the key this process holds. */
  heldHere: number;
  /** How many slots the store said were held, when it last refused: what waiters are shown. */
  heldSeen: number;
}

const lines = new WeakMap<LimitStore, Map<string, Line>>();
const renewed = new Map<LimitStore, Set<string>>();
let renewal: NodeJS.Timeout | undefined;

function lineOf(store: LimitStore, key: string): Line {
  let byKey = lines.get(store);
  if (!byKey) lines.set(store, (byKey = new Map()));
  let line = byKey.get(key);
  if (!line) byKey.set(key, (line = { waiting: [], wake: new Map(), heldHere: 0, heldSeen: 0 }));
  return line;
}

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
    for (const slot of held.splice(0)) {
      const line = lineOf(store, slot.key);
      line.heldHere--;
      await store.releaseLimit(slot.key, holder);
      wakeFirst(line);
    }
    forget(store, holder);
  };
  const waiting: Announcement = { announced: false };
  remember(store, holder);
  try {
    for (const slot of [...slots].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      await takeSlot(store, slot, holder, options, waiting);
      held.push(slot);
    }
  } catch (error) {
    await giveBack();
    throw error;
  } finally {
    clearTimeout(waiting.timer);
  }
  return giveBack;
}

/** Whether a holder has said it waits (or will say so, once its timer fires). */
interface Announcement {
  announced: boolean;
  timer?: NodeJS.Timeout;
}

async function takeSlot(
  store: LimitStore,
  slot: LimitSlot,
  holder: string,
  options: WaitOptions,
  waiting: Announcement,
): Promise<void> {
  const line = lineOf(store, slot.key);
  line.waiting.push(holder);
  // Said with the count known when it is said (held here, or as the store last said).
  const said = () => `limit ${slot.label} ${Math.max(line.heldSeen, line.heldHere)}/${slot.limit}`;
  const announce = async () => {
    if (waiting.announced || !options.onWaiting) return;
    waiting.announced = true;
    if (options.announceAfterMs === undefined) await options.onWaiting(said());
    else waiting.timer = setTimeout(() => void options.onWaiting!(said()), options.announceAfterMs);
  };
  try {
    for (;;) {
      if (options.signal?.aborted) throw cancelledWhileWaiting(slot);
      // The first (limit - held here) of the line may ask; the others would be refused anyway.
      if (line.waiting.indexOf(holder) >= slot.limit - line.heldHere) {
        await announce();
        await sleep(line, holder, options.signal, false);
        continue;
      }
      const { acquired, leases } = await store.acquireLimit({
        key: slot.key,
        limit: slot.limit,
        holder,
        owner: thisProcess(),
        now: Date.now(),
        ttlMs: LEASE_MS,
      });
      if (acquired) {
        line.heldHere++;
        return;
      }
      line.heldSeen = leases.filter((lease) => lease.held).length;
      if (await releaseDead(store, holder, leases)) continue;
      await announce();
      await sleep(line, holder, options.signal, true);
    }
  } catch (error) {
    // Its row in the store's line, if it asked.
    await store.releaseLimit(slot.key, holder);
    throw error;
  } finally {
    line.waiting.splice(line.waiting.indexOf(holder), 1);
    // The next in line may ask now (a slot may be free, or the store will say).
    wakeFirst(line);
  }
}

/** Gives back the slots of holders whose process has ended on this host; true when there were some. */
async function releaseDead(
  store: LimitStore,
  holder: string,
  leases: readonly LimitLease[],
): Promise<boolean> {
  const dead = leases.filter((lease) => lease.holder !== holder && processGone(lease.owner));
  for (const lease of dead) await store.releaseLimit(lease.key, lease.holder);
  return dead.length > 0;
}

function cancelledWhileWaiting(slot: LimitSlot): SluiceError {
  return new SluiceError("cancelled", `Cancelled while waiting for limit ${slot.label}.`);
}

/**
 * Sleeps until woken (a slot given back here, or its turn), on abort, and, for the first of the
 * line (`poll`), after LIMIT_POLL_MS: another process may have given a slot back.
 */
function sleep(
  line: Line,
  holder: string,
  signal: AbortSignal | undefined,
  poll: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      if (signal) abortWakes.get(signal)?.delete(done);
      line.wake.delete(holder);
      resolve();
    };
    const timer = poll ? setTimeout(done, LIMIT_POLL_MS) : undefined;
    line.wake.set(holder, done);
    if (signal) wakeOnAbort(signal, done);
  });
}

/** The sleepers to wake when a signal aborts: one listener per signal, however many steps of a run wait. */
const abortWakes = new WeakMap<AbortSignal, Set<() => void>>();

function wakeOnAbort(signal: AbortSignal, wake: () => void): void {
  let wakes = abortWakes.get(signal);
  if (!wakes) {
    const all = (wakes = new Set());
    abortWakes.set(signal, all);
    signal.addEventListener("abort", () => [...all].forEach((fn) => fn()), { once: true });
  }
  wakes.add(wake);
}

/** Wakes the first waiter of the line that sleeps. */
function wakeFirst(line: Line): void {
  for (const holder of line.waiting) {
    const wake = line.wake.get(holder);
    if (wake) return wake();
  }
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
