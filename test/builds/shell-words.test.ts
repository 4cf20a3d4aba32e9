import { describe, expect, it } from "@jest/globals";
import { assignment, dropPrefix, parseShell, type ShellCommand, type ShellWord } from "../../src/builds/shell-words.js";

/** A word as text: literal characters as they are, expansions in ⟨⟩ with their kind. */
function word(w: ShellWord): string {
  return w.parts
    .map((p) => {
      switch (p.kind) {
        case "lit":
          return p.text;
        case "var":
          return `⟨var ${p.name}${p.quoted ? " quoted" : ""}⟩`;
        case "expr":
          return `⟨expr ${p.source}⟩`;
        case "dynamic":
          return `⟨dyn ${p.source}⟩`;
      }
    })
    .join("");
}

function words(commands: ShellCommand[]): string[][] {
  return commands.map((c) => c.words.map(word));
}

describe("parseShell words and quoting", () => {
  it("splits on blanks and removes single and double quotes", () => {
    expect(words(parseShell(`docker build -t 'a b' "c d" e"f"'g'`))).toEqual([["docker", "build", "-t", "a b", "c d", "efg"]]);
  });

  it("keeps backslash escapes literal and joins continuation lines", () => {
    const script = "docker buildx build \\\n  --tag a\\ b \\\n  --push \\\n  .";
    expect(words(parseShell(script))).toEqual([["docker", "buildx", "build", "--tag", "a b", "--push", "."]]);
  });

  it("reads backslash escapes inside double quotes only before $ ` \" \\ and newline", () => {
    expect(words(parseShell(String.raw`echo "a\"b\$c\d" 'e\f'`))).toEqual([["echo", 'a"b$c\\d', "e\\f"]]);
  });

  it("recognises variables, GitHub expressions and dynamic text", () => {
    const [cmd] = parseShell(`echo $A "\${B}" \${C:-x} $(date) \`id\` $1 "\${{ github.sha }}" '\${{ env.X }}'`);
    expect(cmd.words.map(word)).toEqual([
      "echo",
      "⟨var A⟩",
      "⟨var B quoted⟩",
      "⟨dyn ${C:-x}⟩",
      "⟨dyn $(date)⟩",
      "⟨dyn `id`⟩",
      "⟨dyn $1⟩",
      "⟨expr ${{ github.sha }}⟩",
      "⟨expr ${{ env.X }}⟩",
    ]);
  });

  it("keeps an expression containing }} inside a quoted string whole", () => {
    expect(words(parseShell("echo ${{ format('{0}}}', x) }}-y"))).toEqual([["echo", "⟨expr ${{ format('{0}}}', x) }}⟩-y"]]);
  });

  it("records exact script indices for literal parts", () => {
    const script = `docker build --cache-to="type=registry,ref=x" .`;
    const flag = parseShell(script)[0].words[2];
    expect(flag.parts.map((p) => [p.start, p.end, script.slice(p.start, p.end)])).toEqual([
      [13, 24, "--cache-to="],
      [25, 44, "type=registry,ref=x"],
    ]);
    const value = dropPrefix(flag, "--cache-to=".length);
    expect([value.start, value.end, word(value)]).toEqual([25, 45, "type=registry,ref=x"]);
  });

  it("splits NAME=value assignments", () => {
    const [cmd] = parseShell(`IMAGE="ghcr.io/$OWNER/app" TAG+=x`);
    const a = assignment(cmd.words[0]);
    expect([a?.name, a && word(a.value)]).toEqual(["IMAGE", "ghcr.io/⟨var OWNER quoted⟩/app"]);
    const append = assignment(cmd.words[1]);
    expect([append?.name, append?.append, append && word(append.value)]).toEqual(["TAG", true, "x"]);
    expect(a?.append).toBe(false);
  });
});

describe("parseShell commands", () => {
  it("separates commands on newlines, ; && || | and &, and skips comments", () => {
    const script = "a 1 # comment\nb; c && d || e | f & g\n  # only a comment\n";
    const cmds = parseShell(script);
    expect(words(cmds)).toEqual([["a", "1"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]]);
    expect(cmds.map((c) => c.conditional)).toEqual([false, false, false, true, true, true, false]);
    expect(cmds.map((c) => c.pipesTo)).toEqual([false, false, false, false, true, false, false]);
  });

  it("does not treat # inside a word as a comment", () => {
    expect(words(parseShell("echo a#b"))).toEqual([["echo", "a#b"]]);
  });

  it("marks the bodies of if, for, while and case as conditional and drops their keywords", () => {
    const script = [
      "if [ -n \"$X\" ]; then",
      "  echo yes",
      "else echo no; fi",
      "for t in a b; do echo $t; done",
      "docker build .",
    ].join("\n");
    const cmds = parseShell(script);
    expect(words(cmds)).toEqual([["[", "-n", "⟨var X quoted⟩", "]"], ["echo", "yes"], ["echo", "no"], ["echo", "⟨var t⟩"], ["docker", "build", "."]]);
    expect(cmds.map((c) => c.conditional)).toEqual([true, true, true, true, false]);
  });

  it("reads redirections with file descriptors", () => {
    const [cmd] = parseShell(`echo "X=1" >> "$GITHUB_ENV" 2>&1`);
    expect(cmd.words.map(word)).toEqual(["echo", "X=1"]);
    expect(cmd.redirects.map((r) => [r.fd, r.op, r.target && word(r.target)])).toEqual([
      [undefined, ">>", "⟨var GITHUB_ENV quoted⟩"],
      ["2", ">&", "1"],
    ]);
  });

  it("applies the redirections of a { …; } group to every command in it", () => {
    const script = ["{", '  echo "a<<EOF"', "  echo b", "  echo EOF", '} >> "$GITHUB_OUTPUT"', "echo after"].join("\n");
    const cmds = parseShell(script);
    expect(words(cmds)).toEqual([["echo", "a<<EOF"], ["echo", "b"], ["echo", "EOF"], ["echo", "after"]]);
    expect(cmds.map((c) => c.redirects.map((r) => r.op))).toEqual([[">>"], [">>"], [">>"], []]);
  });

  it("makes every command of a group after && conditional", () => {
    const cmds = parseShell("test -f x && { echo a; echo b; }\necho c");
    expect(words(cmds)).toEqual([["test", "-f", "x"], ["echo", "a"], ["echo", "b"], ["echo", "c"]]);
    expect(cmds.map((c) => c.conditional)).toEqual([false, true, true, false]);
  });

  it("reads here-documents, with expansions unless the delimiter is quoted", () => {
    const script = ["cat <<EOF >> $GITHUB_ENV", "TAG=$VERSION", "EOF", "cat <<-'END'", "\tkeep $THIS", "\tEND", "echo done"].join("\n");
    const cmds = parseShell(script);
    expect(words(cmds)).toEqual([["cat"], ["cat"], ["echo", "done"]]);
    const [first, second] = cmds.map((c) => c.redirects.find((r) => r.heredoc)?.heredoc);
    expect(first && word(first)).toBe("TAG=⟨var VERSION quoted⟩\n");
    expect(second && word(second)).toBe("keep $THIS\n");
  });

  it("substitutes GitHub expressions inside here-documents", () => {
    const [cmd] = parseShell("cat <<'EOF'\nIMAGE=${{ env.IMAGE }}\nEOF\n");
    const body = cmd.redirects[0].heredoc;
    expect(body && word(body)).toBe("IMAGE=⟨expr ${{ env.IMAGE }}⟩\n");
  });
});
