/**
 * The standard form of an expression written for another runner, when it is unambiguous: Jentic's
 * `$response.body.a.b` is `$response.body#/a/b`, and `$steps.x.name` is `$steps.x.outputs.name`.
 */
export function portedExpression(text: string): string | undefined {
  const body = /^\$(response|request)\.body\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/.exec(text);
  if (body) return `$${body[1]}.body#/${body[2]!.replace(/\./g, "/")}`;
  const step = /^\$steps\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(text);
  if (step && step[2] !== "outputs") return `$steps.${step[1]}.outputs.${step[2]}`;
  return undefined;
}
