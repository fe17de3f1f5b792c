/**
 * API keys a server has looked up, kept while the database says nothing changed: every request asks for
 * its key, and a shared database makes that a round trip. Each process LISTENs on a channel that every
 * key change (create, revoke) NOTIFYs when it commits; a notification empties the cache. A lookup that
 * ran while a change came in is not kept (a generation count), and while the listening connection is
 * down nothing is kept, so a revoked key is refused by every server as soon as the revocation commits.
 */
import pg from "pg";
import type { ApiKeyRecord } from "sluice/internal";

export const KEYS_CHANGED = "sluice_api_keys_changed";

export class KeyCache {
  private readonly keys = new Map<string, ApiKeyRecord>();
  private generation = 0;
  private listener?: pg.Client;
  private listening = false;
  private closed = false;

  constructor(private readonly connection: pg.ClientConfig) {}

  /** The key under this hash: from the cache while it is valid, else from `load` (and kept if found). */
  async find(
    keyHash: string,
    load: () => Promise<ApiKeyRecord | undefined>,
  ): Promise<ApiKeyRecord | undefined> {
    if (this.listening) {
      const kept = this.keys.get(keyHash);
      if (kept) return kept;
    } else this.listen();
    const generation = this.generation;
    const found = await load();
    if (found && this.listening && generation === this.generation) this.keys.set(keyHash, found);
    return found;
  }

  /** Whether lookups are kept now (the listening connection is up). */
  get keeping(): boolean {
    return this.listening;
  }

  /** Forgets every key (this process changed one; others hear the NOTIFY). */
  clear(): void {
    this.generation++;
    this.keys.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    await this.listener?.end().catch(() => undefined);
  }

  /** Starts listening, once at a time; until it listens, nothing is cached. */
  private listen(): void {
    if (this.listener || this.closed) return;
    const client = new pg.Client(this.connection);
    this.listener = client;
    client.on("notification", () => this.clear());
    client.on("error", () => this.stop());
    client.on("end", () => this.stop());
    client
      .connect()
      .then(() => client.query(`LISTEN ${KEYS_CHANGED}`))
      .then(() => {
        if (this.listener !== client) return;
        this.clear(); // what was looked up before listening may be stale
        this.listening = true;
      })
      .catch(() => this.stop());
  }

  private stop(): void {
    this.listening = false;
    this.clear();
    const client = this.listener;
    this.listener = undefined;
    if (client) void client.end().catch(() => undefined);
  }
}
