/**
 * The simple condition language's recursive-descent parser (no eval): precedence, tightest first,
 * `!`, comparisons (not chainable), `&&`, `||`; `( )`, and `{ }` opening with `$`, group.
 */
import { quoteForMessage } from "./expression.js";
import {
  conditionError,
  type ComparisonOperator,
  type ConditionNode,
  type Token,
} from "./condition-lexer.js";

const MAX_NESTING = 200;
const COMPARISONS = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);
const CLOSER = { "(": ")", "{": "}" } as const;

export class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): ConditionNode {
    if (this.tokens.length === 1)
      this.fail(`The condition is empty; write one such as $statusCode == 200`, 0);
    const root = this.or();
    const token = this.peek();
    if (token.t !== "end") {
      if (token.t === "op" && (token.op === ")" || token.op === "}"))
        this.fail(
          `Unexpected "${token.op}" at offset ${token.offset} with nothing to close`,
          token.offset,
        );
      this.fail(
        `Expected an operator (==, &&, || ...) at offset ${token.offset}, found ${this.describe(token)}`,
        token.offset,
      );
    }
    return root;
  }

  private or(): ConditionNode {
    const first = this.and();
    if (!this.isOp("||")) return first;
    const operands = [first];
    while (this.isOp("||")) {
      this.index++;
      operands.push(this.and());
    }
    return { type: "or", operands };
  }

  private and(): ConditionNode {
    const first = this.comparison();
    if (!this.isOp("&&")) return first;
    const operands = [first];
    while (this.isOp("&&")) {
      this.index++;
      operands.push(this.comparison());
    }
    return { type: "and", operands };
  }

  private comparison(): ConditionNode {
    const left = this.unary();
    const token = this.peek();
    if (token.t !== "op" || !COMPARISONS.has(token.op)) return left;
    this.index++;
    const right = this.unary();
    const after = this.peek();
    if (after.t === "op" && COMPARISONS.has(after.op)) {
      this.fail(
        `Comparisons do not chain: "${after.op}" at offset ${after.offset} follows another comparison; join them with && or group with ( )`,
        after.offset,
      );
    }
    return { type: "compare", operator: token.op as ComparisonOperator, left, right };
  }

  private unary(): ConditionNode {
    let count = 0;
    while (this.isOp("!")) {
      count++;
      this.index++;
    }
    const operand = this.primary();
    return count === 0 ? operand : { type: "not", count, operand };
  }

  private primary(): ConditionNode {
    const token = this.peek();
    if (token.t === "value") {
      this.index++;
      return token.node;
    }
    if (token.t === "op" && (token.op === "(" || token.op === "{")) {
      if (++this.depth > MAX_NESTING)
        this.fail(
          `Groups nest deeper than ${MAX_NESTING} levels at offset ${token.offset}`,
          token.offset,
        );
      this.index++;
      const inner = this.or();
      const close = this.peek();
      const closer = CLOSER[token.op];
      if (close.t !== "op" || close.op !== closer) {
        const found = close.t === "end" ? "the end of the condition" : this.describe(close);
        this.fail(
          `"${token.op}" at offset ${token.offset} is not closed: expected "${closer}" at offset ${close.offset}, found ${found}`,
          close.offset,
        );
      }
      this.index++;
      this.depth--;
      return inner;
    }
    const previous = this.tokens[this.index - 1];
    const after = previous?.t === "op" ? ` after "${previous.op}"` : "";
    const found = token.t === "end" ? "the end of the condition" : this.describe(token);
    return this.fail(
      `Expected a value (a runtime expression, number, 'string', true, false or null)${after} at offset ${token.offset}, found ${found}`,
      token.offset,
    );
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isOp(op: string): boolean {
    const token = this.tokens[this.index]!;
    return token.t === "op" && token.op === op;
  }

  private describe(token: Token): string {
    if (token.t === "op") return `"${token.op}"`;
    if (token.t === "end") return "the end";
    const node = token.node;
    return node.type === "expression"
      ? `"${this.text.slice(node.offset, node.end)}"`
      : JSON.stringify(node.type === "literal" ? node.value : null);
  }

  private fail(message: string, offset: number): never {
    throw conditionError(
      `${message} (in the condition ${quoteForMessage(this.text)})`,
      this.text,
      offset,
    );
  }
}
