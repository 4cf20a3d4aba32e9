/**
 * A POSIX shell reader for `run:` scripts, as far as builds and `$GITHUB_ENV`/`$GITHUB_OUTPUT` writes are
 * concerned: words with their quoting (single, double with backslash escapes, `\` line continuations),
 * comments, command separators (`;`, `&&`, `||`, `|`, `&`, newlines), redirections with here-documents,
 * `{ …; }`/`( … )` groups whose redirections apply to every command inside, and the compound keywords
 * (`if`, `for`, `while`, `case`…) whose bodies only run under a condition.
 *
 * Expansions are kept symbolic: `$NAME`/`${NAME}` are variables, `${{ … }}` is a GitHub expression (GitHub
 * substitutes it before the shell runs, so it is recognised inside single quotes too), and command
 * substitution, arithmetic, positional parameters and `${NAME…}` operators are dynamic text. Every part
 * records the script indices it was read from; literal parts are exact (`text` is the script slice).
 * Function definitions, aliases and `eval` are not interpreted.
 */

export type WordPart =
  | { kind: "lit"; text: string; start: number; end: number; quoted: boolean }
  | { kind: "var"; name: string; start: number; end: number; quoted: boolean }
  /** `${{ … }}`; `source` is the whole text including the braces. */
  | { kind: "expr"; source: string; start: number; end: number }
  /** `$(…)`, `` `…` ``, `$((…))`, `$1`, `${NAME:-x}`…: text the shell computes. */
  | { kind: "dynamic"; source: string; start: number; end: number; quoted: boolean };

export interface ShellWord {
  parts: WordPart[];
  /** The word's source range in the script, quotes included. */
  start: number;
  end: number;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `&>`, `&>>`… */
  op: string;
  /** The file descriptor written before the operator (`2>`), when any. */
  fd?: string;
  target?: ShellWord;
  /** The body of a here-document (`<<`, `<<-`). */
  heredoc?: ShellWord;
}

export interface ShellCommand {
  /** Every word, leading `NAME=value` assignments included. */
  words: ShellWord[];
  redirects: Redirect[];
  /** True when the command only runs under a condition: after `&&`/`||`, or inside `if`/`for`/`while`/`case`. */
  conditional: boolean;
  /** True when the command's output is piped into the next command. */
  pipesTo: boolean;
  start: number;
  end: number;
}

const BLOCK_OPEN = new Set(["if", "while", "until", "for", "case", "select"]);
const BLOCK_CLOSE = new Set(["fi", "done", "esac"]);
const SEPARATOR_WORDS = new Set(["then", "else", "elif", "do", "!", "in"]);
const HEADER_WORDS = new Set(["for", "case", "select"]);
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPECIAL_PARAM = /[0-9@*#?$!-]/;
const METACHARS = " \t\n;&|<>()";

interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  quoted: boolean;
  strip: boolean;
}

interface Group {
  /** Index of the group's first command. */
  first: number;
  /** The group runs under a condition (`a && { …; }`), so every command in it does. */
  chained: boolean;
}

class Reader {
  private i = 0;
  readonly commands: ShellCommand[] = [];
  private cur: ShellCommand;
  private depth = 0;
  /** The next command runs under a condition (`&&`/`||`). */
  private chained = false;
  /** Junk words of a `for`/`case` header are dropped until the command ends. */
  private header = false;
  private readonly groups: Group[] = [];
  /** A group closed on this command: its redirections apply to the group's commands. */
  private closed: Group | undefined;
  private pending: PendingHeredoc[] = [];

  constructor(private readonly s: string) {
    this.cur = this.fresh();
  }

  private fresh(): ShellCommand {
    return { words: [], redirects: [], conditional: false, pipesTo: false, start: this.i, end: this.i };
  }

  read(): ShellCommand[] {
    const { s } = this;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === "\\" && s[this.i + 1] === "\n") this.i += 2;
      else if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (c === "\n") {
        this.i++;
        this.end(false);
        this.heredocs();
      } else if (c === "#") this.skipComment();
      else if (c === ";" || c === "&" || c === "|") this.operator();
      else if (c === "(") {
        this.i++;
        if (this.cur.words.length === 0) this.open();
      } else if (c === ")") {
        this.i++;
        this.close();
      } else if (this.redirectAhead()) this.redirect(undefined);
      else this.word();
    }
    this.end(false);
    return this.commands;
  }

  private skipComment(): void {
    while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
  }

  private operator(): void {
    const two = this.s.slice(this.i, this.i + 2);
    if (two === "&&" || two === "||") {
      this.i += 2;
      this.end(false);
      this.chained = true;
    } else if (two === ";;" || two === ";&") {
      this.i += 2;
      this.end(false);
    } else if (two === "|&" || this.s[this.i] === "|") {
      this.i += two === "|&" ? 2 : 1;
      this.end(true);
    } else if (two === "&>") {
      this.redirect(undefined);
    } else {
      this.i++;
      this.end(false);
    }
  }

  private open(): void {
    const chained = this.chained;
    if (chained) this.depth++;
    this.groups.push({ first: this.commands.length, chained });
  }

  private close(): void {
    const group = this.groups.pop();
    this.end(false);
    if (group?.chained) this.depth = Math.max(0, this.depth - 1);
    this.closed = group;
  }

  /** Ends the current command; `pipe` when it feeds the next one. */
  private end(pipe: boolean): void {
    const cmd = this.cur;
    cmd.end = this.i;
    const group = this.closed;
    this.closed = undefined;
    if (group && cmd.words.length === 0) {
      for (const c of this.commands.slice(group.first)) c.redirects.push(...cmd.redirects);
    } else if (cmd.words.length > 0 || cmd.redirects.length > 0) {
      cmd.pipesTo = pipe;
      cmd.conditional ||= this.depth > 0 || this.chained;
      this.commands.push(cmd);
    }
    if (!pipe) this.chained = false;
    this.header = false;
    this.cur = this.fresh();
  }

  private redirectAhead(): boolean {
    const c = this.s[this.i];
    return c === "<" || c === ">";
  }

  private redirect(fd: string | undefined): void {
    const m = /^(&>>|&>|<<<|<<-|<<|>>|>&|<&|>\||<>|>|<)/.exec(this.s.slice(this.i, this.i + 3));
    if (!m) {
      this.i++;
      return;
    }
    const op = m[1];
    this.i += op.length;
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
    const redirect: Redirect = { op, ...(fd !== undefined ? { fd } : {}) };
    if (this.i < this.s.length && !METACHARS.includes(this.s[this.i])) redirect.target = this.readWord();
    if ((op === "<<" || op === "<<-") && redirect.target) {
      const quoted = redirect.target.parts.some((p) => p.kind === "lit" && p.quoted);
      const delimiter = redirect.target.parts.map((p) => (p.kind === "lit" ? p.text : this.s.slice(p.start, p.end))).join("");
      this.pending.push({ redirect, delimiter, quoted, strip: op === "<<-" });
    }
    this.cur.redirects.push(redirect);
  }

  /** Reads the bodies of the here-documents opened on the line that just ended. */
  private heredocs(): void {
    for (const h of this.pending) {
      const parts: WordPart[] = [];
      const start = this.i;
      while (this.i < this.s.length) {
        const eol = this.s.indexOf("\n", this.i);
        const lineEnd = eol < 0 ? this.s.length : eol;
        let lineStart = this.i;
        if (h.strip) while (this.s[lineStart] === "\t") lineStart++;
        const line = this.s.slice(lineStart, lineEnd).replace(/\r$/, "");
        if (line === h.delimiter) {
          this.i = eol < 0 ? this.s.length : eol + 1;
          break;
        }
        this.bodyLine(lineStart, lineEnd, h.quoted, parts);
        push(parts, { kind: "lit", text: "\n", start: lineEnd, end: lineEnd + 1, quoted: true });
        this.i = eol < 0 ? this.s.length : eol + 1;
      }
      h.redirect.heredoc = { parts, start, end: this.i };
    }
    this.pending = [];
  }

  private bodyLine(from: number, to: number, quoted: boolean, parts: WordPart[]): void {
    let k = from;
    while (k < to) {
      if (this.s.startsWith("${{", k)) {
        k = this.expr(k, parts);
      } else if (!quoted && this.s[k] === "\\" && "$`\\".includes(this.s[k + 1] ?? "")) {
        push(parts, { kind: "lit", text: this.s[k + 1], start: k + 1, end: k + 2, quoted: true });
        k += 2;
      } else if (!quoted && (this.s[k] === "$" || this.s[k] === "`")) {
        k = this.expansion(k, true, parts);
      } else {
        push(parts, { kind: "lit", text: this.s[k], start: k, end: k + 1, quoted: true });
        k++;
      }
    }
  }

  /** Reads a word at the current position and adds it to the command (or treats it as a keyword). */
  private word(): void {
    const start = this.i;
    const digits = /^[0-9]+/.exec(this.s.slice(this.i));
    if (digits && (this.s[this.i + digits[0].length] === ">" || this.s[this.i + digits[0].length] === "<")) {
      this.i += digits[0].length;
      this.redirect(digits[0]);
      return;
    }
    const w = this.readWord();
    if (w.end === start) {
      this.i++;
      return;
    }
    if (this.header) return;
    const keyword = this.cur.words.length === 0 ? plainText(w) : undefined;
    if (keyword !== undefined) {
      if (keyword === "{") return this.open();
      if (keyword === "}") return this.close();
      if (BLOCK_OPEN.has(keyword)) {
        this.depth++;
        this.header = HEADER_WORDS.has(keyword);
        return;
      }
      if (BLOCK_CLOSE.has(keyword)) {
        this.depth = Math.max(0, this.depth - 1);
        return;
      }
      if (SEPARATOR_WORDS.has(keyword)) return;
    }
    if (this.cur.words.length === 0 && this.cur.redirects.length === 0) this.cur.start = start;
    this.cur.words.push(w);
  }

  private readWord(): ShellWord {
    const start = this.i;
    const parts: WordPart[] = [];
    const { s } = this;
    while (this.i < s.length) {
      const c = s[this.i];
      if (s.startsWith("${{", this.i)) this.i = this.expr(this.i, parts);
      else if (c === "\\") {
        if (s[this.i + 1] === "\n") this.i += 2;
        else if (this.i + 1 < s.length) {
          push(parts, { kind: "lit", text: s[this.i + 1], start: this.i + 1, end: this.i + 2, quoted: true });
          this.i += 2;
        } else this.i++;
      } else if (c === "'") this.single(parts);
      else if (c === '"') this.double(parts);
      else if (c === "$" || c === "`") this.i = this.expansion(this.i, false, parts);
      else if (METACHARS.includes(c) || c === "\r") break;
      else {
        push(parts, { kind: "lit", text: c, start: this.i, end: this.i + 1, quoted: false });
        this.i++;
      }
    }
    return { parts, start, end: this.i };
  }

  private single(parts: WordPart[]): void {
    const { s } = this;
    this.i++;
    while (this.i < s.length && s[this.i] !== "'") {
      if (s.startsWith("${{", this.i)) this.i = this.expr(this.i, parts);
      else {
        push(parts, { kind: "lit", text: s[this.i], start: this.i, end: this.i + 1, quoted: true });
        this.i++;
      }
    }
    this.i++;
  }

  private double(parts: WordPart[]): void {
    const { s } = this;
    this.i++;
    while (this.i < s.length && s[this.i] !== '"') {
      const c = s[this.i];
      if (s.startsWith("${{", this.i)) this.i = this.expr(this.i, parts);
      else if (c === "\\" && s[this.i + 1] === "\n") this.i += 2;
      else if (c === "\\" && '$`"\\'.includes(s[this.i + 1] ?? "")) {
        push(parts, { kind: "lit", text: s[this.i + 1], start: this.i + 1, end: this.i + 2, quoted: true });
        this.i += 2;
      } else if (c === "$" || c === "`") this.i = this.expansion(this.i, true, parts);
      else {
        push(parts, { kind: "lit", text: c, start: this.i, end: this.i + 1, quoted: true });
        this.i++;
      }
    }
    this.i++;
  }

  /** `${{ … }}` starting at `k`; returns the index after it. */
  private expr(k: number, parts: WordPart[]): number {
    let j = k + 3;
    let inString = false;
    while (j < this.s.length) {
      if (this.s[j] === "'") inString = !inString;
      else if (!inString && this.s.startsWith("}}", j)) break;
      j++;
    }
    const end = Math.min(j + 2, this.s.length);
    parts.push({ kind: "expr", source: this.s.slice(k, end), start: k, end });
    return end;
  }

  /** A `$…` or backtick expansion at `k`; returns the index after it. */
  private expansion(k: number, quoted: boolean, parts: WordPart[]): number {
    const { s } = this;
    const dynamic = (end: number): number => {
      parts.push({ kind: "dynamic", source: s.slice(k, end), start: k, end, quoted });
      return end;
    };
    if (s[k] === "`") {
      let j = k + 1;
      while (j < s.length && s[j] !== "`") j += s[j] === "\\" ? 2 : 1;
      return dynamic(Math.min(j + 1, s.length));
    }
    const next = s[k + 1];
    if (next === "(") return dynamic(this.balanced(k + 1, "(", ")"));
    if (next === "{") {
      const end = this.balanced(k + 1, "{", "}");
      const inner = s.slice(k + 2, end - 1);
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) {
        parts.push({ kind: "var", name: inner, start: k, end, quoted });
        return end;
      }
      return dynamic(end);
    }
    NAME.lastIndex = k + 1;
    const name = NAME.exec(s);
    if (name) {
      parts.push({ kind: "var", name: name[0], start: k, end: k + 1 + name[0].length, quoted });
      return k + 1 + name[0].length;
    }
    if (next !== undefined && SPECIAL_PARAM.test(next)) return dynamic(k + 2);
    push(parts, { kind: "lit", text: "$", start: k, end: k + 1, quoted });
    return k + 1;
  }

  /** Index after the bracket that closes the one at `k`, skipping quoted text. */
  private balanced(k: number, open: string, close: string): number {
    const { s } = this;
    let depth = 0;
    for (let j = k; j < s.length; j++) {
      const c = s[j];
      if (c === "\\") j++;
      else if (c === "'" && open === "(") j = Math.max(j, s.indexOf("'", j + 1));
      else if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
    }
    return s.length;
  }
}

/** Appends a literal part, merging it with the previous one when they are adjacent and quoted alike. */
function push(parts: WordPart[], p: Extract<WordPart, { kind: "lit" }>): void {
  const last = parts[parts.length - 1];
  if (last && last.kind === "lit" && last.end === p.start && last.quoted === p.quoted) {
    parts[parts.length - 1] = { ...last, text: last.text + p.text, end: p.end };
  } else {
    parts.push(p);
  }
}

/** The word's text when it is made of unquoted literal characters only. */
export function plainText(w: ShellWord): string | undefined {
  if (w.parts.length === 0) return undefined;
  let out = "";
  for (const p of w.parts) {
    if (p.kind !== "lit" || p.quoted) return undefined;
    out += p.text;
  }
  return out;
}

/** The word's text when it is made of literal characters only (quoted or not). */
export function literalText(w: ShellWord): string | undefined {
  let out = "";
  for (const p of w.parts) {
    if (p.kind !== "lit") return undefined;
    out += p.text;
  }
  return out;
}

/** The word with its first `n` literal characters removed (for `--flag=value` and `NAME=value`). */
export function dropPrefix(w: ShellWord, n: number): ShellWord {
  const parts: WordPart[] = [];
  let left = n;
  for (const p of w.parts) {
    if (left === 0) {
      parts.push(p);
    } else if (p.kind === "lit" && p.text.length > left) {
      parts.push({ ...p, text: p.text.slice(left), start: p.start + left });
      left = 0;
    } else if (p.kind === "lit") {
      left -= p.text.length;
    } else {
      parts.push(p);
      left = 0;
    }
  }
  const first = parts[0];
  return { parts, start: first ? first.start : w.end, end: w.end };
}

/** The literal text of a word's first part, up to its first dynamic part. */
export function literalPrefix(w: ShellWord): string {
  let out = "";
  for (const p of w.parts) {
    if (p.kind !== "lit") break;
    out += p.text;
  }
  return out;
}

/** A leading `NAME=value` word: the name and the value as a word. */
export function assignment(w: ShellWord): { name: string; value: ShellWord; append: boolean } | undefined {
  const first = w.parts[0];
  if (!first || first.kind !== "lit" || first.quoted) return undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/.exec(first.text);
  if (!m) return undefined;
  // `NAME+=value` appends to the variable (bash).
  return { name: m[1], value: dropPrefix(w, m[0].length), append: m[2] === "+" };
}

/**
 * A command's words from its name on: only the `NAME=value` words before the name set variables for it; after the
 * name they are arguments (`echo IMAGE=app >> $GITHUB_ENV` prints `IMAGE=app`).
 */
export function afterAssignments(words: ShellWord[]): ShellWord[] {
  const first = words.findIndex((w) => !assignment(w));
  return first < 0 ? [] : words.slice(first);
}

/** Parses a script into its simple commands, in order. */
export function parseShell(script: string): ShellCommand[] {
  return new Reader(script).read();
}
