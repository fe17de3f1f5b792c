/**
 * API keys: `sluice_<id>_<secret>`, where the id is public (listing, revoking) and the whole text is
 * shown once; only its SHA-256 is stored, so a leaked database does not leak keys.
 */
import { createHash, randomBytes } from "node:crypto";
import { SluiceError, type ApiKeyRecord, type ApiKeyStore } from "sluice/internal";

const KEY_TEXT = /^sluice_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashApiKey(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Creates and stores a key; the returned `key` text is the only copy there will be. */
export async function createApiKey(
  store: ApiKeyStore,
  options: { project: string; readOnly?: boolean; name?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const keyId = randomBytes(6).toString("hex");
  const key = `sluice_${keyId}_${randomBytes(32).toString("base64url")}`;
  const record: ApiKeyRecord = {
    keyId,
    project: options.project,
    readOnly: options.readOnly ?? false,
    createdAt: Date.now(),
  };
  if (options.name !== undefined) record.name = options.name;
  await store.createApiKey(record, hashApiKey(key));
  return { key, record };
}

/** The key an `Authorization: Bearer ...` header names, if it is a live key; else a typed 401 error. */
export function authenticate(
  store: ApiKeyStore,
  header: string | undefined,
): ApiKeyRecord | SluiceError | Promise<ApiKeyRecord | SluiceError> {
  if (header === undefined || header === "")
    return new SluiceError(
      "unauthorized",
      "This route needs an API key: send Authorization: Bearer <key> (create one with: sluice keys create --project P).",
    );
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match || !KEY_TEXT.test(match[1]!))
    return new SluiceError(
      "unauthorized",
      "The Authorization header must be Bearer <key>, with a key made by sluice keys create.",
    );
  const found = store.findApiKey(hashApiKey(match[1]!));
  const check = (record: ApiKeyRecord | undefined) => {
    if (!record)
      return new SluiceError(
        "unauthorized",
        "Unknown API key. Check the key, or create one with: sluice keys create --project P.",
      );
    if (record.revokedAt !== undefined)
      return new SluiceError(
        "unauthorized",
        `API key ${record.keyId} was revoked; use another key.`,
      );
    return record;
  };
  return found instanceof Promise ? found.then(check) : check(found);
}
