import { canonicalJson, hashParts } from "./hash.js";

/**
 * A step instance's identity: pipeline, step name and the parameters it declares (d6tflow's rule:
 * another parameter set is another instance, whose outputs never replace this one's).
 */
export function identityOf(pipeline: string, step: string, params: Record<string, unknown>): { identity: string; paramsHash: string } {
  const paramsHash = hashParts([canonicalJson(params)]).slice(0, 32);
  return { identity: hashParts([pipeline, step, paramsHash]).slice(0, 32), paramsHash };
}
