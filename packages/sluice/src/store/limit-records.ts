import type { MaybePromise } from "../core/index.js";

/** The process that holds (or waits for) a lease: how a dead holder on the same host is told apart. */
export interface LeaseOwner {
  host: string;
  pid: number;
  /** When the process started (ms since the epoch), so that a reused pid is not taken for it. */
  startedAt?: number;
}

/** One holder's place under a limit key: holding one of its slots, or waiting in line for one. */
export interface LimitLease {
  key: string;
  /** Who: a run (`run:ID`) or a step of a run (`ID/step`). */
  holder: string;
  held: boolean;
  /** When the holder joined the line: earlier waiters take a freed slot first. */
  queuedAt: number;
  /** The lease lapses at this moment unless renewed (a holder that died on another host). */
  expiresAt: number;
  owner: LeaseOwner;
}

export interface LimitRequest {
  key: string;
  limit: number;
  holder: string;
  owner: LeaseOwner;
  now: number;
  /** How long the lease lasts without a renewal. */
  ttlMs: number;
}

/**
 * Limit leases: counted slots per key, shared by every process on the store. A holder asks again
 * until it holds a slot (each ask also renews its place in line); a lease that is not renewed lapses,
 * so a holder that died frees its slot.
 */
export interface LimitStore {
  /**
   * Joins the key's line (or keeps its place, with a fresh expiry) and takes a slot when one is free
   * for it (see `admitted`), atomically. A refusal also returns the key's live leases (who holds and
   * who waits: a caller frees those of dead processes) and drops the lapsed ones.
   */
  acquireLimit(request: LimitRequest): MaybePromise<{ acquired: boolean; leases: LimitLease[] }>;
  /** Leaves the key's line or gives its slot back. */
  releaseLimit(key: string, holder: string): MaybePromise<void>;
  /** Pushes back the expiry of every lease (held or waiting) of these holders. */
  renewLimits(holders: readonly string[], expiresAt: number): MaybePromise<void>;
  /** The leases of a key (or of every key), lapsed ones included until a refusal drops them. */
  limitLeases(key?: string): MaybePromise<LimitLease[]>;
}

/**
 * The admission rule every store applies: a holder keeps a slot it holds, and takes one when the
 * live leases held by others and the live waiters ahead of it in line (earlier `queuedAt`, then
 * holder) are fewer than `limit`.
 */
export function admitted(
  alreadyHeld: boolean,
  heldByOthers: number,
  waitingAhead: number,
  limit: number,
): boolean {
  return alreadyHeld || heldByOthers + waitingAhead < limit;
}

/** Whether lease `a` stands in line before a holder that joined at `queuedAt`. */
export function inLineBefore(a: LimitLease, queuedAt: number, holder: string): boolean {
  return a.queuedAt < queuedAt || (a.queuedAt === queuedAt && a.holder < holder);
}
