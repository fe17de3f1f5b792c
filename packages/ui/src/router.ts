// Deep links for every page, which survive a reload (the server answers index.html for app paths):
// the path is the state. `navigate` pushes a path; `useRoute` re-renders on back and forward.
import { useEffect, useState } from "react";

export type Route =
  | { page: "flows" }
  | { page: "flow"; flow: string }
  | { page: "runs"; filter?: RunsFilter }
  | { page: "run"; runId: string; step?: string; line?: number }
  | { page: "schedules" }
  | { page: "workers" }
  | { page: "datasets" }
  | { page: "dataset"; name: string }
  | { page: "compare"; a: string; b: string }
  | { page: "login" };

/** The runs list's filters, kept in the URL (a filtered list is a deep link too). */
export interface RunsFilter {
  flow?: string;
  status?: string;
  trigger?: string;
  /** How far back: "1h", "24h" or "7d". */
  since?: string;
}
const FILTER_KEYS = ["flow", "status", "trigger", "since"] as const;

export function parseRoute(path: string, search: string): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "flows" && parts[1]) return { page: "flow", flow: parts[1] };
  if (parts[0] === "runs" && parts[1]) {
    const query = new URLSearchParams(search);
    const step = query.get("step") ?? undefined;
    const line = Number(query.get("line"));
    return {
      page: "run",
      runId: parts[1],
      ...(step ? { step } : {}),
      ...(step && Number.isInteger(line) && line > 0 ? { line } : {}),
    };
  }
  if (parts[0] === "runs") {
    const query = new URLSearchParams(search);
    const filter: RunsFilter = {};
    for (const key of FILTER_KEYS) {
      const value = query.get(key);
      if (value) filter[key] = value;
    }
    return { page: "runs", ...(Object.keys(filter).length > 0 ? { filter } : {}) };
  }
  if (parts[0] === "schedules") return { page: "schedules" };
  if (parts[0] === "workers") return { page: "workers" };
  if (parts[0] === "datasets" && parts[1])
    return { page: "dataset", name: parts.slice(1).join("/") };
  if (parts[0] === "datasets") return { page: "datasets" };
  if (parts[0] === "compare") {
    const query = new URLSearchParams(search);
    return { page: "compare", a: query.get("a") ?? "", b: query.get("b") ?? "" };
  }
  if (parts[0] === "login") return { page: "login" };
  return { page: "flows" };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case "flow":
      return `/flows/${encodeURIComponent(route.flow)}`;
    case "run":
      return `/runs/${encodeURIComponent(route.runId)}${route.step ? `?step=${encodeURIComponent(route.step)}${route.line ? `&line=${route.line}` : ""}` : ""}`;
    case "runs": {
      const query = new URLSearchParams();
      for (const key of FILTER_KEYS) if (route.filter?.[key]) query.set(key, route.filter[key]);
      return query.size > 0 ? `/runs?${query}` : "/runs";
    }
    case "schedules":
      return "/schedules";
    case "workers":
      return "/workers";
    case "datasets":
      return "/datasets";
    case "dataset":
      return `/datasets/${route.name.split("/").map(encodeURIComponent).join("/")}`;
    case "compare":
      return `/compare?a=${encodeURIComponent(route.a)}&b=${encodeURIComponent(route.b)}`;
    case "login":
      return "/login";
    default:
      return "/";
  }
}

const listeners = new Set<() => void>();

export function navigate(route: Route, replace = false): void {
  const href = hrefOf(route);
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return route;
}
