/**
 * The "simple" Criterion condition language (1.0.1 "Criterion Object": Literals, Operators), parsed
 * once by a recursive-descent parser (no eval) and evaluated many times (poll loops).
 *
 * Syntax. Precedence, tightest first: `!`, comparisons (`== != < <= > >=`, not chainable:
 * `a == b == c` is an error), `&&`, `||`; `( )` groups. `{ }` also groups when it opens with `$`,
 * because 1.0.1's Components example writes `"{$statusCode == 401}"`. Literals: `true`, `false`,
 * `null`, numbers (`200`, `-1.5`, `.5`, `2e3`), single-quoted strings with `''` for a quote.
 * Operands may be runtime expressions; an expression ends at whitespace or an operator character
 * (so header names in conditions cannot contain `! & |`). Right after an expression, `[0]`,
 * `['key']` and `.key` dereference its value (the Operators table's "Index" and "Property
 * de-reference"; 1.1.0 shows `$response.body.count > $inputs.threshold`). Because input and output
 * names may contain dots, `$inputs.a.b` is the input "a.b"; `.key` only follows a value that
 * cannot continue with a dot (`$response.body.count`) or an index (`$inputs.list[0].id`).
 *
 * condition-lexer.ts reads the tokens, condition-parser.ts builds the tree by that precedence, and
 * condition-evaluate.ts evaluates it (its comment gives the semantics).
 */
import { expressionToString, type RuntimeExpression } from "./expression.js";
import { evaluate, truthy, type ExpressionResolver } from "./condition-evaluate.js";
import { tokenize, type ConditionNode } from "./condition-lexer.js";
import { Parser } from "./condition-parser.js";

export type { ExpressionResolver } from "./condition-evaluate.js";
export type { ConditionNode } from "./condition-lexer.js";

export interface CompiledCondition {
  readonly source: string;
  readonly root: ConditionNode;
  readonly expressions: readonly RuntimeExpression[];
}

// Compiled once per distinct text: validation and the run compile the same criteria, and most
// steps of a document share theirs ("$statusCode == 200"). Compiled conditions are never changed.
const COMPILED = new Map<string, CompiledCondition>();

/** Parses a simple condition; throws SluiceError("invalid-expression") with `details.offset`. */
export function compileCondition(text: string): CompiledCondition {
  let compiled = COMPILED.get(text);
  if (compiled === undefined) {
    compiled = compile(text);
    if (COMPILED.size >= 4096) COMPILED.clear();
    COMPILED.set(text, compiled);
  }
  return compiled;
}

function compile(text: string): CompiledCondition {
  const tokens = tokenize(text);
  const parser = new Parser(text, tokens);
  const root = parser.parse();
  const expressions: RuntimeExpression[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.t !== "value" || token.node.type !== "expression") continue;
    const key = expressionToString(token.node.expression);
    if (seen.has(key)) continue;
    seen.add(key);
    expressions.push(token.node.expression);
  }
  return Object.freeze({ source: text, root, expressions: Object.freeze(expressions) });
}

/** The runtime expressions a condition reads, each once, in order of first use. */
export function conditionExpressions(compiled: CompiledCondition): readonly RuntimeExpression[] {
  return compiled.expressions;
}

/** Evaluates a compiled condition; never throws on odd data (a throwing resolver propagates). */
export function evaluateCondition(
  compiled: CompiledCondition,
  resolve: ExpressionResolver,
): boolean {
  return truthy(evaluate(compiled.root, resolve));
}
