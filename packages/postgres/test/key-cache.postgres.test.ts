// The API key cache of a server on PostgreSQL: a key looked up once is answered from memory while the
// database says nothing changed; a change NOTIFYed by another process empties it.
import { describe, expect, it } from "vitest";
import pg from "pg";
import { KEYS_CHANGED, KeyCache } from "../src/key-cache.js";
import { PG_URL } from "../../../test/support/postgres.js";
import { until } from "../../../test/support/until.js";

const record = { keyId: "k1", project: "demo", readOnly: false, createdAt: 1 };

describe.runIf(PG_URL)("the API key cache", () => {
  it("keeps a found key until another process notifies a change, and keeps nothing before it listens", async () => {
    const cache = new KeyCache({ connectionString: PG_URL });
    let loads = 0;
    const load = async () => (loads++, record);
    expect(await cache.find("h", load)).toEqual(record);
    await until(() => cache.keeping, { what: "the cache to listen" });
    await cache.find("h", load);
    const before = loads;
    expect(await cache.find("h", load)).toEqual(record);
    expect(loads).toBe(before); // from memory

    const other = new pg.Client({ connectionString: PG_URL });
    await other.connect();
    await other.query("SELECT pg_notify($1, '')", [KEYS_CHANGED]);
    await other.end();
    await until(async () => (await cache.find("h", load), loads > before), {
      what: "a lookup after the notification to ask the database",
    });
    await cache.close();
    expect(cache.keeping).toBe(false);
  });
});
