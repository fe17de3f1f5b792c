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
  /** Joins the key's line (or keeps its place) and takes a slot when one is free for it; one transaction. */
  acquireLimit(request: LimitRequest): MaybePromise<{ acquired: boolean; leases: LimitLease[] }>;
  /** Leaves the key's line or gives its slot back. */
  releaseLimit(key: string, holder: string): MaybePromise<void>;
  /** Pushes back the expiry of every lease (held or waiting) of these holders. */
  renewLimits(holders: readonly string[], expiresAt: number): MaybePromise<void>;
  /** The leases of a key (or of every key), lapsed ones included until the next acquire drops them. */
  limitLeases(key?: string): MaybePromise<LimitLease[]>;
}

/**
 * The admission rule both stores apply inside their transaction: lapsed leases are dropped, the
 * holder joins the line (or keeps its place) with a fresh expiry, and takes a slot when fewer than
 * `limit` are held and no earlier waiter is still in line for the free ones.
 */
export function admit(
  leases: readonly LimitLease[],
  request: LimitRequest,
): { mine: LimitLease; lapsed: LimitLease[]; leases: LimitLease[] } {
  const { key, holder, limit, now, ttlMs, owner } = request;
  const lapsed = leases.filter((lease) => lease.expiresAt < now && lease.holder !== holder);
  const live = leases.filter((lease) => !lapsed.includes(lease) && lease.holder !== holder);
  const earlier = leases.find((lease) => lease.holder === holder);
  const mine: LimitLease = {
    key,
    holder,
    held: earlier?.held ?? false,
    queuedAt: earlier?.queuedAt ?? now,
    expiresAt: now + ttlMs,
    owner,
  };
  if (!mine.held) {
    const held = live.filter((lease) => lease.held).length;
    const ahead = live.filter((lease) => !lease.held && inLineBefore(lease, mine)).length;
    if (held + ahead < limit) mine.held = true;
  }
  return { mine, lapsed, leases: [...live, mine] };
}

function inLineBefore(a: LimitLease, b: LimitLease): boolean {
  return a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.holder < b.holder);
}
