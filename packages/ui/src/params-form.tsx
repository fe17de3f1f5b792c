// A form generated from a flow's parameter JSON Schema: one field per property (number, integer,
// boolean, string, enum; anything else as JSON), defaults shown, secrets as password fields.
import { useState } from "react";

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  writeOnly?: boolean;
  minimum?: number;
  maximum?: number;
}

export interface ParamsSchema {
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

/** The params the fields hold: empty fields left out (the flow's defaults apply); a bad value names its field. */
export function valuesOf(
  schema: ParamsSchema,
  texts: Record<string, string>,
): { params: Record<string, unknown>; problems: string[] } {
  const params: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const text = texts[name];
    if (text === undefined || text === "") continue;
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    if (type === "number" || type === "integer") {
      const value = Number(text);
      if (!Number.isFinite(value) || (type === "integer" && !Number.isInteger(value)))
        problems.push(
          `${name}: "${text}" is not ${type === "integer" ? "a whole number" : "a number"}`,
        );
      else params[name] = value;
    } else if (type === "boolean") params[name] = text === "true";
    else if (type === "string" || property.enum) params[name] = text;
    else {
      try {
        params[name] = JSON.parse(text);
      } catch {
        problems.push(`${name}: not valid JSON`);
      }
    }
  }
  return { params, problems };
}

export function ParamsForm({
  schema,
  onChange,
}: {
  schema: ParamsSchema;
  onChange: (values: { params: Record<string, unknown>; problems: string[] }) => void;
}) {
  const [texts, setTexts] = useState<Record<string, string>>({});
  const set = (name: string, text: string) => {
    const next = { ...texts, [name]: text };
    setTexts(next);
    onChange(valuesOf(schema, next));
  };
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return <p className="hint">This flow takes no params.</p>;
  return (
    <fieldset className="params">
      <legend>Params</legend>
      {properties.map(([name, property]) => {
        const id = `param-${name}`;
        const type = Array.isArray(property.type) ? property.type[0] : property.type;
        const required = schema.required?.includes(name);
        const hint =
          property.default !== undefined
            ? `default ${JSON.stringify(property.default)}`
            : required
              ? "required"
              : "optional";
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>
              {name}{" "}
              <small>
                ({type ?? "json"}, {hint})
              </small>
            </label>
            {type === "boolean" || property.enum ? (
              <select id={id} value={texts[name] ?? ""} onChange={(e) => set(name, e.target.value)}>
                <option value="">(default)</option>
                {(property.enum ?? [true, false]).map((value) => (
                  <option key={String(value)} value={String(value)}>
                    {String(value)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={property.writeOnly ? "password" : "text"}
                inputMode={type === "number" || type === "integer" ? "decimal" : undefined}
                value={texts[name] ?? ""}
                placeholder={property.default !== undefined ? JSON.stringify(property.default) : ""}
                onChange={(e) => set(name, e.target.value)}
              />
            )}
            {property.description ? <small className="hint">{property.description}</small> : null}
          </div>
        );
      })}
    </fieldset>
  );
}
