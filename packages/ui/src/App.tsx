// The shell: sign in (or, on a server without keys, straight in), then the page the path names. A 401
// from any page (a key revoked mid-session) sends back to the login page, saying why.
import { useEffect, useState } from "react";
import { Link } from "./components.js";
import { FlowPage } from "./pages/FlowPage.js";
import { Flows } from "./pages/Flows.js";
import { Login } from "./pages/Login.js";
import { RunPage } from "./pages/RunPage.js";
import { Runs } from "./pages/Runs.js";
import { Schedules } from "./pages/Schedules.js";
import { Workers } from "./pages/Workers.js";
import { Datasets } from "./pages/Datasets.js";
import { Compare } from "./pages/Compare.js";
import { navigate, useRoute } from "./router.js";
import { errorText, isUnauthorized, signIn, signOut, storedKey, type Session } from "./session.js";

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session>();
  const [checking, setChecking] = useState(true);
  const [reason, setReason] = useState<string>();

  useEffect(() => {
    signIn(storedKey())
      .then(setSession, (error: unknown) => {
        if (storedKey()) setReason(errorText(error));
      })
      .finally(() => setChecking(false));
  }, []);

  // A request refused for its key anywhere: back to the login page.
  useEffect(() => {
    const onRefused = (event: Event) => expire((event as CustomEvent<string>).detail);
    addEventListener("sluice:unauthorized", onRefused);
    return () => removeEventListener("sluice:unauthorized", onRefused);
  });

  const expire = (why: string) => {
    signOut();
    setSession(undefined);
    setReason(why);
  };

  if (checking) return <p aria-busy="true">Connecting…</p>;
  if (!session)
    return (
      <Login
        reason={reason}
        onSignedIn={(s) => {
          setSession(s);
          setReason(undefined);
          if (route.page === "login") navigate({ page: "flows" }, true);
        }}
      />
    );
  return (
    <SessionGuard session={session} onExpired={expire}>
      <header>
        <nav aria-label="Main">
          <strong>sluice</strong>
          <Link to={{ page: "flows" }}>Flows</Link>
          <Link to={{ page: "runs" }}>Runs</Link>
          <Link to={{ page: "schedules" }}>Schedules</Link>
          <Link to={{ page: "workers" }}>Workers</Link>
          <Link to={{ page: "datasets" }}>Datasets</Link>
        </nav>
        <span className="me">
          <ThemeSwitch />
          {session.me.project}
          {session.me.readOnly ? " · read-only" : ""}
          {session.me.auth === "api-key" ? (
            <button type="button" onClick={() => expire("Signed out.")}>
              Sign out
            </button>
          ) : null}
        </span>
      </header>
      <main>
        {route.page === "flow" ? (
          <FlowPage key={route.flow} session={session} name={route.flow} />
        ) : route.page === "runs" ? (
          <Runs session={session} filter={route.filter ?? {}} />
        ) : route.page === "run" ? (
          <RunPage
            key={route.runId}
            session={session}
            runId={route.runId}
            step={route.step}
            line={route.line}
          />
        ) : route.page === "schedules" ? (
          <Schedules session={session} />
        ) : route.page === "workers" ? (
          <Workers session={session} />
        ) : route.page === "datasets" || route.page === "dataset" ? (
          <Datasets session={session} name={route.page === "dataset" ? route.name : undefined} />
        ) : route.page === "compare" ? (
          <Compare session={session} a={route.a} b={route.b} />
        ) : (
          <Flows session={session} />
        )}
      </main>
    </SessionGuard>
  );
}

/** Checks the key again every minute (a revoked key is noticed without an action). */
function SessionGuard({
  session,
  onExpired,
  children,
}: {
  session: Session;
  onExpired: (why: string) => void;
  children: React.ReactNode;
}) {
  useEffect(() => {
    const timer = setInterval(() => {
      session.client.whoami().catch((error: unknown) => {
        if (isUnauthorized(error)) onExpired(errorText(error));
      });
    }, 60_000);
    return () => clearInterval(timer);
  }, [session, onExpired]);
  return <>{children}</>;
}

/** Light or dark, kept in local storage; until chosen, the system's preference. */
function ThemeSwitch() {
  const [theme, setTheme] = useState(() => localStorage.getItem("sluice.theme") ?? "system");
  useEffect(() => {
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem("sluice.theme", theme);
  }, [theme]);
  return (
    <label>
      Theme{" "}
      <select value={theme} onChange={(event) => setTheme(event.target.value)}>
        <option value="system">system</option>
        <option value="light">light</option>
        <option value="dark">dark</option>
      </select>
    </label>
  );
}
