// The ArtifactStore contract (src/artifacts/artifact-store.ts) as one suite that every implementation
// runs: in memory and in files; a further backend (PostgreSQL, object storage) adds one line to run it.
// Outputs are addressed by the SHA-256 of their stored bytes: the same content is one artifact.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ArtifactStore, EncodedValue } from "sluice";

export interface ArtifactStoreUnderTest {
  artifacts: ArtifactStore;
  /** Called after each test. */
  close?: () => Promise<void> | void;
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const json = (text: string): EncodedValue => ({ kind: "json", text });
const bytes = (kind: "blob" | "records" | "table", content: string): EncodedValue => ({
  kind,
  bytes: new TextEncoder().encode(content),
});

/** Registers the suite; `make` is called once per test and must return an empty store. */
export function describeArtifactStoreConformance(
  name: string,
  make: () => Promise<ArtifactStoreUnderTest> | ArtifactStoreUnderTest,
): void {
  describe(`artifact store conformance: ${name}`, () => {
    let current: ArtifactStoreUnderTest | undefined;
    const fresh = async (): Promise<ArtifactStore> => (current = await make()).artifacts;
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    it("put returns the content's reference (SHA-256 of the stored bytes, kind, size) and get gives the same content back", async () => {
      const artifacts = await fresh();
      const text = JSON.stringify({ rows: [1, 2, 3], label: "é" });
      const ref = await artifacts.put(json(text));
      expect(ref).toEqual({ hash: sha256(text), kind: "json", size: Buffer.byteLength(text) });
      expect(await artifacts.get(ref)).toMatchObject({ kind: "json", text });
      for (const kind of ["blob", "records", "table"] as const) {
        const encoded = bytes(kind, `${kind} content`);
        const stored = await artifacts.put(encoded);
        expect(stored).toEqual({
          hash: sha256((encoded as { bytes: Uint8Array }).bytes),
          kind,
          size: (encoded as { bytes: Uint8Array }).bytes.byteLength,
        });
        const back = (await artifacts.get(stored)) as
          { kind: string; bytes: Uint8Array } | undefined;
        expect(back?.kind).toBe(kind);
        expect(Buffer.from(back!.bytes).toString()).toBe(`${kind} content`);
      }
    });

    it("the same content put twice is one artifact; other content is another", async () => {
      const artifacts = await fresh();
      const first = await artifacts.put(json('"same"'));
      const again = await artifacts.put(json('"same"'));
      expect(again).toEqual(first);
      const other = await artifacts.put(json('"other"'));
      expect(other.hash).not.toBe(first.hash);
      expect(await artifacts.get(first)).toMatchObject({ text: '"same"' });
      expect(await artifacts.get(other)).toMatchObject({ text: '"other"' });
    });

    it("has and get know only what was put: an unknown reference is missing, not an error", async () => {
      const artifacts = await fresh();
      // (A store may answer has() true unseen for small JSON it keeps beside completions: see ArtifactStore.has.)
      for (const kind of ["blob", "records", "table"] as const) {
        const unknown = { hash: sha256(`never stored ${kind}`), kind, size: 12 };
        expect(await artifacts.has(unknown)).toBe(false);
        expect(await artifacts.get(unknown)).toBeUndefined();
      }
      expect(
        await artifacts.get({ hash: sha256("never stored"), kind: "json", size: 12 }),
      ).toBeUndefined();
      const ref = await artifacts.put(bytes("blob", "42"));
      expect(await artifacts.has(ref)).toBe(true);
      expect(await artifacts.has(await artifacts.put(json("42")))).toBe(true);
      // A store that answers for many at once says the same as has() for each.
      if (artifacts.missing) {
        const unknown = { hash: sha256("never stored blob"), kind: "blob" as const, size: 12 };
        expect([...(await artifacts.missing([ref, unknown, unknown]))]).toEqual([unknown.hash]);
        expect((await artifacts.missing([])).size).toBe(0);
      }
    });

    it("keeps large and empty contents whole", async () => {
      const artifacts = await fresh();
      const large = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
      const ref = await artifacts.put({ kind: "blob", bytes: large });
      const back = (await artifacts.get(ref)) as { bytes: Uint8Array };
      expect(back.bytes.byteLength).toBe(large.byteLength);
      expect(sha256(back.bytes)).toBe(sha256(large));
      const empty = await artifacts.put({ kind: "blob", bytes: new Uint8Array() });
      expect(empty.size).toBe(0);
      expect(((await artifacts.get(empty)) as { bytes: Uint8Array }).bytes.byteLength).toBe(0);
    });
  });
}
