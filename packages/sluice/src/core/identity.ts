import { canonicalJson, sha256 } from "./hash.js";

const paramsHashes = new Map<string, string>();

/**
 * A step instance's identity: pipeline, step name and the parameters it declares (d6tflow's rule:
 * another parameter set is another instance, whose outputs never replace this one's). Stored next to
 * the pipeline and step names, the identity string itself is `step@paramsHash`.
 */
export function identityOf(
  step: string,
  params: Record<string, unknown>,
  secrets?: ReadonlySet<string>,
): { identity: string; paramsHash: string } {
  let canonical = "{}";
  for (const _ in params) {
    // Secret values (tokens, passwords) are not part of what the step computes, nor of any printed key.
    canonical = canonicalJson(
      secrets && secrets.size > 0 ? withoutSecrets(params, secrets) : params,
    );
    break;
  }
  let paramsHash = paramsHashes.get(canonical);
  if (paramsHash === undefined) {
    paramsHash = sha256(canonical).slice(0, 32);
    if (paramsHashes.size < 10_000) paramsHashes.set(canonical, paramsHash);
  }
  return { identity: `${step}@${paramsHash.slice(0, 16)}`, paramsHash };
}

function withoutSecrets(
  params: Record<string, unknown>,
  secrets: ReadonlySet<string>,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) if (!secrets.has(name)) kept[name] = value;
  return kept;
}
