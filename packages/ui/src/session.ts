// The API key of this browser tab: kept in sessionStorage (gone with the tab), sent in a header, never
// put in a URL. The client is made from it; `whoami` says the project and whether the key is read-only.
import { SluiceApiError, SluiceClient, type Whoami } from "@sluice/client";

const KEY = "sluice.apiKey";

export interface Session {
  client: SluiceClient;
  me: Whoami;
}

export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Checks the key with the server (whoami); keeps it only when the server takes it. */
export async function signIn(apiKey: string | undefined): Promise<Session> {
  const client = new SluiceClient({
    baseUrl: location.origin,
    ...(apiKey ? { apiKey } : {}),
  });
  const me = await client.whoami();
  if (apiKey) sessionStorage.setItem(KEY, apiKey);
  return { client, me };
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** An error as a person should read it: the server's message, or why the server could not be reached. */
export function errorText(error: unknown): string {
  if (error instanceof SluiceApiError)
    return error.status === 0 ? error.message : `${error.message} (HTTP ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof SluiceApiError && error.status === 401;
}

/** A request refused for its key (revoked mid-session): the app goes back to its login page, saying why. */
export function noteFailure(error: unknown): void {
  if (isUnauthorized(error))
    dispatchEvent(new CustomEvent("sluice:unauthorized", { detail: errorText(error) }));
}
