/**
 * Keeps secrets out of an Arazzo run's stored checkpoint, and puts them back on resume.
 *
 * Sealing walks the checkpoint (plain JSON) and rewrites every string that holds a secret:
 * - equal to a secret input's value: `{ $sluiceSecret: name }`, revived from the input given again;
 * - containing secret inputs' values (a URL with `key=…`, an error message): `{ $sluiceSecretText:
 *   ["key=", { name }, …] }`, revived by joining the parts;
 * - containing a secret the run learned (a token a login returned, later sent in an Authorization
 *   header), which sluice never stores: `{ $sluiceLostSecret: "masked text" }`. On resume the step
 *   whose outputs held it runs again (see `lostOutputSteps`), so the token is fetched anew.
 */
import type { Masker } from "./secrets.js";

type Obj = Record<string, unknown>;
type Part = string | { name: string };

const SECRET = "$sluiceSecret";
const SECRET_TEXT = "$sluiceSecretText";
const LOST = "$sluiceLostSecret";

/** A copy of `checkpoint` with no secret value in any string (keys included). */
export function sealCheckpoint(
  checkpoint: unknown,
  inputSecrets: ReadonlyMap<string, string>,
  masker: Masker,
): unknown {
  if (masker.empty) return checkpoint;
  // Longest first, so a value containing another is replaced whole.
  const inputs = [...inputSecrets].sort((a, b) => b[0].length - a[0].length);
  const seal = (value: unknown): unknown => {
    if (typeof value === "string") return sealText(value, inputs, masker);
    if (typeof value === "number")
      return sealText(String(value), inputs, masker) === String(value)
        ? value
        : { [SECRET]: inputSecrets.get(String(value)) ?? "" };
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return value.map(seal);
    const out: Obj = {};
    for (const [key, item] of Object.entries(value)) out[masker.text(key)] = seal(item);
    return out;
  };
  return seal(checkpoint);
}

function sealText(text: string, inputs: ReadonlyArray<[string, string]>, masker: Masker): unknown {
  if (masker.text(text) === text) return text;
  const exact = inputs.find(([value]) => value === text);
  if (exact) return { [SECRET]: exact[1] };
  let parts: Part[] = [text];
  for (const [value, name] of inputs) {
    parts = parts.flatMap((part) =>
      typeof part === "string" ? splitOn(part, value, name) : [part],
    );
  }
  if (parts.some((part) => typeof part === "string" && masker.text(part) !== part))
    return { [LOST]: masker.text(text) };
  return { [SECRET_TEXT]: parts };
}

function splitOn(text: string, value: string, name: string): Part[] {
  if (!text.includes(value)) return [text];
  const pieces = text.split(value);
  const out: Part[] = [];
  pieces.forEach((piece, i) => {
    if (i > 0) out.push({ name });
    if (piece !== "") out.push(piece);
  });
  return out;
}

/** The checkpoint with secret inputs put back; a lost secret comes back as its masked text. */
export function reviveCheckpoint(
  checkpoint: unknown,
  secrets: ReadonlyMap<string, unknown>,
): unknown {
  return JSON.parse(JSON.stringify(checkpoint), (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length !== 1)
      return v;
    const o = v as Obj;
    if (typeof o[SECRET] === "string" && secrets.has(o[SECRET])) return secrets.get(o[SECRET]);
    if (Array.isArray(o[SECRET_TEXT])) {
      return (o[SECRET_TEXT] as Part[])
        .map((part) => (typeof part === "string" ? part : String(secrets.get(part.name) ?? "")))
        .join("");
    }
    if (typeof o[LOST] === "string") return o[LOST];
    return v;
  });
}

/** The ids of the steps whose sealed outputs (in one frame's `outputs`) hold a lost secret. */
export function lostOutputSteps(sealedOutputs: Record<string, unknown>): string[] {
  return Object.keys(sealedOutputs).filter((step) =>
    JSON.stringify(sealedOutputs[step]).includes(`"${LOST}"`),
  );
}
