/**
 * Plain-text math (`sqrt(2)/2`, `3*pi`, `2**10`, `x^(1/3)`, `[3, infinity)`) turned into LaTeX
 * with explicit braces, so that the LaTeX parser reads it as the writer meant (`2^10` in TeX is
 * 2¹·0; in plain text it is 1024).
 *
 * A small recursive-descent parser written here instead of mathjs' `parse`: mathjs costs about two
 * seconds of start-up in every process and worker that imports it, which the time budget of a
 * verifier call cannot afford, and only this narrow grammar is needed:
 *
 *   list    := expr (',' expr)*
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '·' | implicit) unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := postfix (('^' | '**') unary)?
 *   postfix := primary '!'*
 *   primary := number | name | name '(' list ')' | open list close | '|' expr '|'
 *
 * Anything outside the grammar returns undefined and the text is left as it was.
 */

const FUNCTIONS: Record<string, (arg: string) => string> = {
  sqrt: (a) => `\\sqrt{${a}}`,
  cbrt: (a) => `\\sqrt[3]{${a}}`,
  abs: (a) => `\\left|${a}\\right|`,
  exp: (a) => `e^{${a}}`,
  ln: (a) => `\\ln\\left(${a}\\right)`,
  log: (a) => `\\log\\left(${a}\\right)`,
  sin: (a) => `\\sin\\left(${a}\\right)`,
  cos: (a) => `\\cos\\left(${a}\\right)`,
  tan: (a) => `\\tan\\left(${a}\\right)`,
  cot: (a) => `\\cot\\left(${a}\\right)`,
  sec: (a) => `\\sec\\left(${a}\\right)`,
  csc: (a) => `\\csc\\left(${a}\\right)`,
  arcsin: (a) => `\\arcsin\\left(${a}\\right)`,
  arccos: (a) => `\\arccos\\left(${a}\\right)`,
  arctan: (a) => `\\arctan\\left(${a}\\right)`,
  asin: (a) => `\\arcsin\\left(${a}\\right)`,
  acos: (a) => `\\arccos\\left(${a}\\right)`,
  atan: (a) => `\\arctan\\left(${a}\\right)`,
  sinh: (a) => `\\sinh\\left(${a}\\right)`,
  cosh: (a) => `\\cosh\\left(${a}\\right)`,
  tanh: (a) => `\\tanh\\left(${a}\\right)`,
  gcd: (a) => `\\gcd\\left(${a}\\right)`,
  lcm: (a) => `\\operatorname{lcm}\\left(${a}\\right)`,
};

const CONSTANTS: Record<string, string> = {
  pi: "\\pi",
  inf: "\\infty",
  infty: "\\infty",
  infinity: "\\infty",
  oo: "\\infty",
  theta: "\\theta",
  alpha: "\\alpha",
  beta: "\\beta",
  gamma: "\\gamma",
  phi: "\\phi",
};

/** Text that is plain-text math worth converting (no LaTeX commands, some plain-text notation). */
export function looksLikePlainMath(text: string): boolean {
  if (/[\\{}]/.test(text)) return false;
  return /\*|\^\s*\(|\^\s*[-+]?\d{2,}|(?<![A-Za-z])(?:sqrt|cbrt|pi|inf|infinity|infty|oo|abs|exp|ln|log|a?sin|a?cos|a?tan|arc(?:sin|cos|tan)|gcd|lcm)(?![A-Za-z])/.test(
    text,
  );
}

type Token = { kind: "num" | "name" | "op"; text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|([A-Za-z]+)|(\*\*|[-+*/^!(),[\]|·×÷]))/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return /^\s*$/.test(text.slice(pos)) ? tokens : undefined;
    if (m[1] !== undefined) tokens.push({ kind: "num", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: "name", text: m[2] });
    else tokens.push({ kind: "op", text: m[3]! });
    pos = re.lastIndex;
  }
  return tokens;
}

/** A parsed piece: its LaTeX, and whether it needs parentheses as a base or a factor. */
interface Piece {
  tex: string;
  atomic: boolean;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === "op" && t.text === text;
  }

  private expect(text: string): void {
    if (!this.isOp(text)) throw new SyntaxError(`expected ${text}`);
    this.i++;
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  list(): string[] {
    const items = [this.expr().tex];
    while (this.isOp(",")) {
      this.i++;
      items.push(this.expr().tex);
    }
    return items;
  }

  expr(): Piece {
    let left = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.tokens[this.i++]!.text;
      const right = this.term();
      left = { tex: `${left.tex}${op}${right.tex}`, atomic: false };
    }
    return left;
  }

  private startsFactor(): boolean {
    const t = this.peek();
    if (t === undefined) return false;
    if (t.kind !== "op") return true;
    return t.text === "(" || t.text === "[";
  }

  term(): Piece {
    let left = this.unary();
    for (;;) {
      if (this.isOp("/") || this.isOp("÷")) {
        this.i++;
        const right = this.unary();
        left = { tex: `\\frac{${left.tex}}{${right.tex}}`, atomic: true };
      } else if (this.isOp("*") || this.isOp("·") || this.isOp("×")) {
        this.i++;
        const right = this.unary();
        left = { tex: `${wrap(left)}\\cdot ${wrap(right)}`, atomic: false };
      } else if (this.startsFactor()) {
        const right = this.unary();
        left = { tex: `${wrap(left)}\\cdot ${wrap(right)}`, atomic: false };
      } else {
        return left;
      }
    }
  }

  unary(): Piece {
    if (this.isOp("-") || this.isOp("+")) {
      const op = this.tokens[this.i++]!.text;
      const inner = this.unary();
      return { tex: `${op === "-" ? "-" : ""}${wrap(inner)}`, atomic: false };
    }
    return this.power();
  }

  power(): Piece {
    const base = this.postfix();
    if (this.isOp("^") || this.isOp("**")) {
      this.i++;
      const exponent = this.unary();
      return { tex: `${wrap(base)}^{${exponent.tex}}`, atomic: false };
    }
    return base;
  }

  postfix(): Piece {
    let p = this.primary();
    while (this.isOp("!")) {
      this.i++;
      p = { tex: `${wrap(p)}!`, atomic: true };
    }
    return p;
  }

  primary(): Piece {
    const t = this.peek();
    if (t === undefined) throw new SyntaxError("unexpected end");
    if (t.kind === "num") {
      this.i++;
      const m = /^(.*?)[eE]([-+]?\d+)$/.exec(t.text);
      return m ? { tex: `${m[1]}\\times 10^{${m[2]}}`, atomic: false } : { tex: t.text, atomic: true };
    }
    if (t.kind === "name") {
      this.i++;
      const name = t.text;
      const fn = FUNCTIONS[name.toLowerCase()];
      if (fn !== undefined && this.isOp("(")) {
        this.i++;
        const args = this.list();
        this.expect(")");
        // Not atomic: `sin(x)^2` must become (sin x)², not sin(x²).
        return {
          tex: fn(args.join(",")),
          atomic: name.toLowerCase() === "sqrt" || name.toLowerCase() === "abs",
        };
      }
      const constant = CONSTANTS[name.toLowerCase()];
      if (constant !== undefined) return { tex: constant, atomic: true };
      if (name.length > 1 && fn !== undefined) throw new SyntaxError(`${name} without an argument`);
      // A longer word is prose (`apples`), not math: leave the whole text alone.
      if (name.length > 2) throw new SyntaxError(`unknown word ${name}`);
      // Other letters: single-letter variables (`xy` is their product, as in TeX).
      return { tex: name.length === 1 ? name : name.split("").join(" "), atomic: name.length === 1 };
    }
    if (t.text === "(" || t.text === "[") {
      this.i++;
      const items = this.list();
      const close = this.peek();
      if (close?.kind !== "op" || (close.text !== ")" && close.text !== "]"))
        throw new SyntaxError("unclosed");
      this.i++;
      // Brackets as written: `[3, infinity)` is a half-open interval, `(1, 2)` a pair.
      return { tex: `${t.text}${items.join(",")}${close.text}`, atomic: true };
    }
    if (t.text === "|") {
      this.i++;
      const inner = this.expr();
      this.expect("|");
      return { tex: `\\left|${inner.tex}\\right|`, atomic: true };
    }
    throw new SyntaxError(`unexpected ${t.text}`);
  }
}

function wrap(p: Piece): string {
  return p.atomic ? p.tex : `\\left(${p.tex}\\right)`;
}

/** The LaTeX of a plain-text math answer, or undefined when it is not one this grammar reads. */
export function plainMathToLatex(text: string): string | undefined {
  if (!looksLikePlainMath(text) || text.length > 1000) return undefined;
  const tokens = tokenize(text);
  if (tokens === undefined || tokens.length === 0) return undefined;
  try {
    const parser = new Parser(tokens);
    const items = parser.list();
    return parser.atEnd() ? items.join(", ") : undefined;
  } catch {
    return undefined;
  }
}
