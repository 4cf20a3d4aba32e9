import { describe, expect, it } from "@jest/globals";
import { parseConfig } from "../../src/config/load.js";
import { scanIgnoreDirectives } from "../../src/config/ignores.js";
import { analyze } from "../../src/engine/index.js";
import type { Finding } from "../../src/report/finding.js";

/** The rules these tests are about; other rules' findings on the examples are not their concern. */
const UNDER_TEST = new Set(["cache-overwrites-tag", "unused-ignore", "invalid-ignore", "invalid-config", "parse-error"]);

function show(f: Finding): string {
  const { file, start, end } = f.primary;
  return `${f.ruleId} ${file}:${start.line}:${start.col}-${end.line}:${end.col} ${f.severity}`;
}

function lint(files: Record<string, string>, config?: string): string[] {
  const sources = Object.entries(files).map(([path, text]) => ({ path, text }));
  const result = analyze(sources, config === undefined ? {} : { config: parseConfig(config) });
  return result.findings.filter((f) => UNDER_TEST.has(f.ruleId)).map(show);
}

function lintMessages(files: Record<string, string>, config?: string): string[] {
  const sources = Object.entries(files).map(([path, text]) => ({ path, text }));
  const result = analyze(sources, config === undefined ? {} : { config: parseConfig(config) });
  return result.findings.filter((f) => UNDER_TEST.has(f.ruleId) && f.ruleId !== "cache-overwrites-tag").map((f) => f.message);
}

/** A release workflow whose cache export overwrites the pushed tag; `at` marks where a comment goes. */
function release(lines: { above?: string; tags?: string; cacheTo?: string; push?: string } = {}): string {
  return [
    "on:",
    "  push:",
    '    tags: ["v*"]',
    "jobs:",
    "  publish:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - uses: docker/build-push-action@v6",
    "        with:",
    `          push: true${lines.push ? ` ${lines.push}` : ""}`,
    `          tags: ghcr.io/acme/app:latest${lines.tags ? ` ${lines.tags}` : ""}`,
    ...(lines.above ? [`          ${lines.above}`] : []),
    `          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max${lines.cacheTo ? ` ${lines.cacheTo}` : ""}`,
    "",
  ].join("\n");
}

const W = ".github/workflows/release.yml";
const IGNORE = "# tagguard: ignore[cache-overwrites-tag] scratch image, never deployed";

describe("inline ignores", () => {
  it("reports the unignored hazard", () => {
    expect(lint({ [W]: release() })).toEqual([`cache-overwrites-tag ${W}:12:21-12:71 error`]);
  });

  it("apply on the line above the primary span", () => {
    expect(lint({ [W]: release({ above: IGNORE }) })).toEqual([]);
  });

  it("apply as a trailing comment on the primary line", () => {
    expect(lint({ [W]: release({ cacheTo: IGNORE }) })).toEqual([]);
  });

  it("apply on a line of a related span (the tag push)", () => {
    expect(lint({ [W]: release({ tags: IGNORE }) })).toEqual([]);
  });

  it("apply on a related span in another file", () => {
    const push = [
      "on: push",
      "jobs:",
      "  publish:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: docker/build-push-action@v6",
      "        with:",
      "          push: true",
      `          tags: ghcr.io/acme/app:latest ${IGNORE}`,
      "",
    ].join("\n");
    const cache = [
      "on: push",
      "jobs:",
      "  warm:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: docker/build-push-action@v6",
      "        with:",
      "          cache-to: type=registry,ref=ghcr.io/acme/app:latest",
      "",
    ].join("\n");
    expect(lint({ ".github/workflows/push.yml": push, ".github/workflows/warm.yml": cache.replace(IGNORE, "") })).toEqual([]);
    expect(lint({ ".github/workflows/push.yml": push.replace(` ${IGNORE}`, ""), ".github/workflows/warm.yml": cache })).toEqual([
      "cache-overwrites-tag .github/workflows/warm.yml:8:21-8:62 error",
    ]);
  });

  it("do not reach past the line above the primary span", () => {
    expect(lint({ [W]: release({ push: IGNORE }) })).toEqual([
      `unused-ignore ${W}:10:41-10:61 warning`,
      `cache-overwrites-tag ${W}:12:21-12:71 error`,
    ]);
  });

  it("require a reason, and do not suppress without one", () => {
    for (const comment of ["# tagguard: ignore[cache-overwrites-tag]", "# tagguard: ignore[cache-overwrites-tag] --"]) {
      expect(lint({ [W]: release({ above: comment }) })).toEqual([
        `invalid-ignore ${W}:12:11-12:${11 + comment.length} warning`,
        `cache-overwrites-tag ${W}:13:21-13:71 error`,
      ]);
    }
    expect(lintMessages({ [W]: release({ above: "# tagguard: ignore[cache-overwrites-tag]" }) })).toEqual([
      'This tagguard ignore comment gives no reason, so it ignores nothing. Say why the finding is safe to ignore after the brackets: "# tagguard: ignore[cache-overwrites-tag] <reason>".',
    ]);
  });

  it("accept a reason after a dash or colon", () => {
    expect(lint({ [W]: release({ above: "# tagguard: ignore[cache-overwrites-tag] -- throwaway preview" }) })).toEqual([]);
    expect(lint({ [W]: release({ above: "#tagguard:ignore[ cache-overwrites-tag ]: throwaway preview" }) })).toEqual([]);
  });

  it("report each id that ignores nothing at its position in the comment", () => {
    const comment = "# tagguard: ignore[cache-overwrites-tag, cache-ref-missing-type] old cache layout";
    expect(lint({ [W]: release({ above: comment }) })).toEqual([`unused-ignore ${W}:12:52-12:74 warning`]);
    expect(lintMessages({ [W]: release({ above: comment }) })).toEqual([
      "This comment ignores cache-ref-missing-type, but cache-ref-missing-type reports nothing on this line, on the line below it or on a span that includes it, so the entry has no effect. Remove it: a stale ignore would hide a future finding here.",
    ]);
  });

  it("report unknown ids, built-in diagnostics and malformed comments as invalid-ignore", () => {
    const cases: [string, string, string][] = [
      [
        "# tagguard: ignore[cache-overwrite-tag] typo",
        "12:30-12:49",
        'Unknown rule id "cache-overwrite-tag" in this tagguard ignore comment, so it ignores nothing. Did you mean cache-overwrites-tag? The syntax is "# tagguard: ignore[rule-id,...] reason".',
      ],
      [
        "# tagguard: ignore[parse-error] we know",
        "12:30-12:41",
        "parse-error is reported by tagguard itself and cannot be ignored with a comment, so this entry ignores nothing.",
      ],
      [
        "# tagguard: ignore cache-overwrites-tag because",
        "12:11-12:58",
        'This tagguard comment is malformed, so it ignores nothing: expected "# tagguard: ignore[rule-id,...] reason".',
      ],
      [
        "# tagguard: ignore[] because",
        "12:11-12:39",
        'This tagguard comment is malformed, so it ignores nothing: no rule id between the brackets; expected "# tagguard: ignore[rule-id,...] reason".',
      ],
    ];
    for (const [comment, at, message] of cases) {
      expect(lint({ [W]: release({ above: comment }) })).toEqual([
        `invalid-ignore ${W}:${at} warning`,
        `cache-overwrites-tag ${W}:13:21-13:71 error`,
      ]);
      expect(lintMessages({ [W]: release({ above: comment }) })).toEqual([message]);
    }
  });

  it("are not read from inside block scalars", () => {
    const text = release().replace(
      "          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
      ["          cache-to: |", `            ${IGNORE}`, "            type=registry,ref=ghcr.io/acme/app:latest,mode=max"].join("\n"),
    );
    expect(lint({ [W]: text })).toEqual([`cache-overwrites-tag ${W}:14:13-14:63 error`]);
    expect(scanIgnoreDirectives(W, text)).toEqual([]);
  });

  it("are found in every kind of YAML comment position, with exact spans", () => {
    const text = [
      "# tagguard: ignore[a] top of file",
      "on: push # tagguard: ignore[b, c] trailing",
      "jobs: { build: {runs-on: x, # tagguard: ignore[d] in a flow mapping",
      "  steps: []} }",
      "run: |",
      "  # tagguard: ignore[e] inside a block scalar",
      "# not a directive",
      "",
    ].join("\n");
    expect(
      scanIgnoreDirectives("f.yml", text).map((d) => ({
        line: d.line,
        ids: d.ids.map((i) => `${i.id}@${i.span.start.col}-${i.span.end.col}`),
        reason: d.reason,
        col: `${d.span.start.col}-${d.span.end.col}`,
      })),
    ).toEqual([
      { line: 1, ids: ["a@20-21"], reason: "top of file", col: "1-34" },
      { line: 2, ids: ["b@29-30", "c@32-33"], reason: "trailing", col: "10-43" },
      { line: 3, ids: ["d@48-49"], reason: "in a flow mapping", col: "29-68" },
    ]);
  });
});

describe("configuration applied by analyze", () => {
  it("turns a rule off, and then does not report its ignores as unused", () => {
    const config = "rules:\n  cache-overwrites-tag:\n    enabled: false\n";
    expect(lint({ [W]: release() }, config)).toEqual([]);
    expect(lint({ [W]: release({ push: IGNORE }) }, config)).toEqual([]);
    expect(lint({ [W]: release() }, "rules:\n  cache-overwrites-tag:\n    disable: true\n")).toEqual([]);
  });

  it("remaps severities", () => {
    expect(lint({ [W]: release() }, "rules:\n  cache-overwrites-tag:\n    severity: info\n")).toEqual([
      `cache-overwrites-tag ${W}:12:21-12:71 info`,
    ]);
    expect(lint({ [W]: release({ push: IGNORE }) }, "rules:\n  unused-ignore:\n    severity: error\n")).toEqual([
      `unused-ignore ${W}:10:41-10:61 error`,
      `cache-overwrites-tag ${W}:12:21-12:71 error`,
    ]);
  });

  it("turns unused-ignore off", () => {
    expect(lint({ [W]: release({ push: IGNORE }) }, "rules:\n  unused-ignore:\n    enabled: false\n")).toEqual([
      `cache-overwrites-tag ${W}:12:21-12:71 error`,
    ]);
  });

  it("drops findings in ignored paths, everywhere or per rule", () => {
    expect(lint({ [W]: release({ push: IGNORE }) }, "ignore: [.github/workflows/release.yml]\n")).toEqual([]);
    expect(lint({ [W]: release({ push: IGNORE }) }, "ignore: [release.yml]\n")).toEqual([]);
    expect(lint({ [W]: release({ push: IGNORE }) }, "ignore: [.github/workflows/other-*.yml]\n")).toEqual([
      `unused-ignore ${W}:10:41-10:61 warning`,
      `cache-overwrites-tag ${W}:12:21-12:71 error`,
    ]);
    expect(lint({ [W]: release({ push: IGNORE }) }, "rules:\n  cache-overwrites-tag:\n    ignore: [.github/workflows/*]\n")).toEqual([]);
  });

  it("reports an invalid configuration and analyses with the defaults", () => {
    expect(lint({ [W]: release() }, "rules:\n  cache-overwrites-tag:\n    enabled: nope\n")).toEqual([
      "invalid-config .github/tagguard.yml:3:14-3:18 error",
      `cache-overwrites-tag ${W}:12:21-12:71 error`,
    ]);
  });
});
