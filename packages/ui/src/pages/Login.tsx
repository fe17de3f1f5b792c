// The login page: an API key, checked with the server, kept in this tab's session storage.
import { useState, type FormEvent } from "react";
import { errorText, signIn, type Session } from "../session.js";

export function Login({
  onSignedIn,
  reason,
}: {
  onSignedIn: (s: Session) => void;
  reason?: string;
}) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <h1>sluice</h1>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          placeholder="sluice_…"
          required
        />
        <p className="hint">
          Made by <code>sluice keys create --project P</code>. Kept only in this tab.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p role="alert" className="error-text">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
