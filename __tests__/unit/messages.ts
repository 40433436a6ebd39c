/**
 * The messages the action can show a user, read from the TypeScript source of src/ (at test time, so the
 * list follows src/ as it changes). Used by troubleshooting.test.ts.
 *
 * What counts as a message (the rule, applied to the syntax tree, never to running code):
 *   1. the last argument of `new <Name>Error(…)` (Error, InputError, AwsCallError, DeadlineError, …: every
 *      error class of src/ takes its message last);
 *   2. the first argument of a `.setFailed(…)` or `.warning(…)` call;
 *   3. every value returned by a function whose name starts with `explain` (these build the refusal and
 *      gate messages that reach 1 and 2 through data, e.g. a GateResult's `reason`);
 *   4. the argument of `warnings.push(…)` (the post step gathers warnings so, then passes each to 2).
 * Each is read as text: string and template literals as written; the parts of a template or of a `+`
 * chain, the branches of `a ? b : c`, the `const` a name refers to, a call of a function of src/ (its
 * `return` values) and an enum member (`Input.AwsProfile`, by its value) are followed to their own text;
 * anything else (a parameter, a `let`, a property, an outside call) stands as `…`. Several texts can come
 * out of one message (one per branch followed).
 *
 * A text whose leading words (below) have no word in lower case outside its `…` only passes values on
 * (`error.message`, `describeError(error)`, AWS's code and status as in `… (HTTP …)`): it is not a
 * message of its own. Words that only come after a value (`… AWS said: …`) belong to the message whose
 * leading words come before them.
 *
 * The leading words of a message are its text up to the first clause break (`: `, `; `, `. `, or a final
 * `:` or `.`) that closes at least three words outside quotes (`'…'` and `"…"` spans are not counted: a
 * quoted name alone does not say which failure it is). That is what a user searches the guide with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const SRC = path.join(__dirname, '..', '..', 'src');
export const HOLE = '…';
/** Beyond this many texts for one expression, it stands as `…` (a guard against combinatorial growth). */
const MAX_VARIANTS = 16;
const MAX_DEPTH = 8;

export interface Message {
  /** e.g. `aws/explain.ts:97` */
  where: string;
  /** The whole text, `…` for values. */
  text: string;
  /** Its leading words (see above). */
  lead: string;
}

interface SourceFile {
  rel: string;
  file: ts.SourceFile;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** Reads src/ once: its files, their consts, the functions and enum values of all of them. */
class Source {
  readonly files: SourceFile[] = [];
  readonly functions = new Map<string, ts.FunctionLikeDeclaration[]>();
  readonly enums = new Map<string, string>();

  constructor(root: string) {
    for (const full of sourceFiles(root)) {
      const rel = path.relative(root, full).split(path.sep).join('/');
      const file = ts.createSourceFile(rel, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.ES2022, true);
      walk(file, (node) => {
        if (ts.isFunctionDeclaration(node) && node.name) this.addFunction(node.name.text, node);
        if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
          const init = node.initializer;
          if (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
            this.addFunction(node.name.text, init);
        }
        if (ts.isEnumDeclaration(node)) {
          for (const member of node.members) {
            if (member.initializer && ts.isStringLiteral(member.initializer) && ts.isIdentifier(member.name))
              this.enums.set(`${node.name.text}.${member.name.text}`, member.initializer.text);
          }
        }
      });
      this.files.push({ rel, file });
    }
  }

  private addFunction(name: string, fn: ts.FunctionLikeDeclaration): void {
    this.functions.set(name, [...(this.functions.get(name) ?? []), fn]);
  }

  /** The texts an expression can have, `…` for what cannot be followed. */
  texts(expr: ts.Expression, where: SourceFile, depth = 0): string[] {
    if (depth > MAX_DEPTH) return [HOLE];
    const next = (e: ts.Expression) => this.texts(e, where, depth + 1);
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr))
      return next(expr.expression);
    if (ts.isTemplateExpression(expr)) {
      let out = [expr.head.text];
      for (const span of expr.templateSpans) {
        out = cross(cross(out, next(span.expression)), [span.literal.text]);
      }
      return out;
    }
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken)
      return cross(next(expr.left), next(expr.right));
    if (ts.isConditionalExpression(expr)) return capped([...next(expr.whenTrue), ...next(expr.whenFalse)]);
    if (ts.isIdentifier(expr)) {
      const init = constInitializer(expr);
      return init === undefined ? [HOLE] : next(init);
    }
    if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression)) {
      const value = this.enums.get(`${expr.expression.text}.${expr.name.text}`);
      return value === undefined ? [HOLE] : [value];
    }
    if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
      const fns = this.functions.get(expr.expression.text);
      if (!fns) return [HOLE];
      return capped(
        fns.flatMap((fn) => this.returned(fn).flatMap((r) => this.texts(r.expr, r.where, depth + 1))),
      );
    }
    return [HOLE];
  }

  /** The expressions a function returns (not those of functions nested in it), with the file they are in. */
  returned(fn: ts.FunctionLikeDeclaration): { expr: ts.Expression; where: SourceFile }[] {
    const where = this.fileOf(fn);
    if (fn.body === undefined) return [];
    if (!ts.isBlock(fn.body)) return [{ expr: fn.body, where }];
    const found: { expr: ts.Expression; where: SourceFile }[] = [];
    const visit = (node: ts.Node): void => {
      if (node !== fn.body && ts.isFunctionLike(node)) return;
      if (ts.isReturnStatement(node) && node.expression) found.push({ expr: node.expression, where });
      ts.forEachChild(node, visit);
    };
    visit(fn.body);
    return found;
  }

  fileOf(node: ts.Node): SourceFile {
    const file = node.getSourceFile();
    const found = this.files.find((f) => f.file === file);
    if (!found) throw new Error(`no source file for ${file.fileName}`);
    return found;
  }
}

/**
 * The initializer of the `const` an identifier names, found in the scopes around it (nearest first);
 * undefined when the nearest declaration of the name is a `let`, a parameter, or there is none.
 */
function constInitializer(id: ts.Identifier): ts.Expression | undefined {
  for (let node: ts.Node | undefined = id.parent; node; node = node.parent) {
    if (
      ts.isFunctionLike(node) &&
      node.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === id.text)
    )
      return undefined;
    if (!(ts.isBlock(node) || ts.isSourceFile(node) || ts.isCaseClause(node))) continue;
    for (const statement of node.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const list = statement.declarationList;
      for (const decl of list.declarations) {
        if (!ts.isIdentifier(decl.name) || decl.name.text !== id.text) continue;
        return (list.flags & ts.NodeFlags.Const) !== 0 ? decl.initializer : undefined;
      }
    }
  }
  return undefined;
}

function capped(texts: string[]): string[] {
  const unique = [...new Set(texts)];
  return unique.length > MAX_VARIANTS ? [HOLE] : unique;
}

function cross(left: string[], right: string[]): string[] {
  return capped(left.flatMap((a) => right.map((b) => joinHoles(a + b))));
}

/** Adjacent holes say no more than one. */
function joinHoles(text: string): string {
  return text.replace(/…(?:…)+/g, HOLE);
}

/** The message expressions of one file: rules 1 to 4 of the header. */
function messageExpressions(source: Source, where: SourceFile): ts.Expression[] {
  const found: ts.Expression[] = [];
  walk(where.file, (node) => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /Error$/.test(node.expression.text)) {
      const last = node.arguments?.at(-1);
      if (last !== undefined) found.push(last);
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ['setFailed', 'warning'].includes(node.expression.name.text) &&
      node.arguments[0] !== undefined
    )
      found.push(node.arguments[0]);
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'push' &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'warnings' &&
      node.arguments[0] !== undefined
    )
      found.push(node.arguments[0]);
    if (ts.isFunctionDeclaration(node) && node.name && /^explain/.test(node.name.text))
      found.push(...source.returned(node).map((r) => r.expr));
  });
  return found;
}

/** Words outside quoted spans: what a lead must have three of. */
function wordsOutsideQuotes(text: string): number {
  const unquoted = text.replace(/'[^'\s]*'/g, ' ').replace(/"[^"]*"/g, ' ');
  return (unquoted.match(/[A-Za-z0-9][\w-]*/g) ?? []).length;
}

/** The leading words of a message's text (see the header). */
export function leadOf(text: string): string {
  const breaks = /[:;.](?=\s|$)/g;
  for (const match of text.matchAll(breaks)) {
    const lead = text.slice(0, match.index);
    if (wordsOutsideQuotes(lead) >= 3) return lead.trim();
  }
  return text.trim().replace(/[:;.]$/, '');
}

/** Every message in src/, one entry per text. */
export function messagesIn(root: string = SRC): Message[] {
  const source = new Source(root);
  const out: Message[] = [];
  for (const where of source.files) {
    for (const expr of messageExpressions(source, where)) {
      const line = where.file.getLineAndCharacterOfPosition(expr.getStart()).line + 1;
      for (const raw of source.texts(expr, where)) {
        const text = raw.replace(/\s+/g, ' ').trim();
        const lead = leadOf(text);
        if (!/\b(?=[A-Za-z]*[a-z])[A-Za-z]{2,}\b/.test(lead.replace(/…/g, ' '))) continue; // passes values on
        out.push({ where: `${where.rel}:${line}`, text, lead });
      }
    }
  }
  return out;
}
