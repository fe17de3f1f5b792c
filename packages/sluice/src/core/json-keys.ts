/**
 * Keys that reach an object's prototype when a parsed JSON object is copied by assignment
 * (`target[key] = value`): `--param '__proto__={"n":7}'` would run with n=7 while recording `{}`.
 * Every JSON that the CLI and the API accept is refused when it holds one, at any depth.
 */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** The path (`a.b.__proto__`) of the first forbidden key in a parsed JSON value, if any. */
export function forbiddenKeyPath(value: unknown, path = ""): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKeyPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const here = path === "" ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const found = forbiddenKeyPath((value as Record<string, unknown>)[key], here);
    if (found) return found;
  }
  return undefined;
}
